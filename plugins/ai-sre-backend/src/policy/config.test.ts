import { REMEDIATION_ACTIONS } from '@internal/plugin-ai-sre-common';
import {
  defaultPolicyConfig,
  LOW_RISK_ACTIONS,
  PolicyConfigError,
  readPolicyConfig,
} from './config';

function errorOf(raw: unknown): PolicyConfigError {
  try {
    readPolicyConfig(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyConfigError);
    return e as PolicyConfigError;
  }
  throw new Error('expected readPolicyConfig to throw');
}

describe('readPolicyConfig', () => {
  it('fills in the cautious defaults', () => {
    const config = defaultPolicyConfig();
    expect(config).toEqual({
      autoExecute: {
        enabled: false,
        minConfidence: 0.8,
        actions: [...LOW_RISK_ACTIONS],
      },
      requireApproval: {
        lifecycles: ['production'],
        kinds: ['StatefulSet', 'Node'],
        namespaces: [],
        actions: [],
        risks: ['high'],
        unknownEntity: true,
      },
      allowedActions: [...REMEDIATION_ACTIONS],
      blastRadius: {
        maxReplicasChanged: 10,
        maxPodsRestarted: 25,
        maxNodesTouched: 1,
        onExceed: 'ask-human',
      },
      rateLimits: { actionsPerEntityPerHour: 3, maxRetries: 2 },
      dryRun: false,
      gitops: { allowDirectPatch: false },
      killSwitch: { global: false, entities: [] },
      maintenanceWindows: [],
      suppressions: [],
      approval: {
        expiresAfterMinutes: 60,
        secondApprover: { forAdjustedPlans: true, lifecycles: ['production'] },
      },
    });
    expect(readPolicyConfig({})).toEqual(config);
    expect(readPolicyConfig(null)).toEqual(config);
  });

  it('keeps given values and fills in the rest of a section', () => {
    const config = readPolicyConfig({
      autoExecute: { enabled: true },
      rateLimits: { maxRetries: 0 },
      maintenanceWindows: [
        {
          namespaces: ['shop'],
          weekly: { days: ['Saturday', 'SUN'], from: '22:00', to: '02:00' },
        },
      ],
    });
    expect(config.autoExecute).toEqual({
      enabled: true,
      minConfidence: 0.8,
      actions: [...LOW_RISK_ACTIONS],
    });
    expect(config.rateLimits).toEqual({
      actionsPerEntityPerHour: 3,
      maxRetries: 0,
    });
    expect(config.maintenanceWindows[0].weekly?.days).toEqual(['sat', 'sun']);
  });

  it.each<[string, unknown, string, RegExp]>([
    [
      'a confidence above 1',
      { autoExecute: { minConfidence: 1.5 } },
      'aiSre.policy.autoExecute.minConfidence',
      /<=1/,
    ],
    [
      'a string where a boolean belongs',
      { dryRun: 'yes' },
      'aiSre.policy.dryRun',
      /expected boolean/,
    ],
    [
      'an action outside the allow-list',
      { allowedActions: ['restart-workload', 'kubectl-exec'] },
      'aiSre.policy.allowedActions[1]',
      /rollback-deployment/,
    ],
    [
      'a misspelt key',
      { autoExecute: { enable: true } },
      'aiSre.policy.autoExecute.enable',
      /unknown key/,
    ],
    [
      'an unknown top-level key',
      { killswitch: { global: true } },
      'aiSre.policy.killswitch',
      /unknown key/,
    ],
    [
      'a negative rate limit',
      { rateLimits: { actionsPerEntityPerHour: -1 } },
      'aiSre.policy.rateLimits.actionsPerEntityPerHour',
      />=0/,
    ],
    [
      'a fractional blast radius',
      { blastRadius: { maxPodsRestarted: 2.5 } },
      'aiSre.policy.blastRadius.maxPodsRestarted',
      /int/,
    ],
    [
      'a window ending before it starts',
      {
        maintenanceWindows: [
          {
            entityRefs: ['component:default/web'],
            start: '2025-03-04T02:00:00Z',
            end: '2025-03-04T01:00:00Z',
          },
        ],
      },
      'aiSre.policy.maintenanceWindows[0].end',
      /after `start`/,
    ],
    [
      'a window without a scope',
      {
        maintenanceWindows: [
          { start: '2025-03-04T00:00:00Z', end: '2025-03-05T00:00:00Z' },
        ],
      },
      'aiSre.policy.maintenanceWindows[0].entityRefs',
      /entityRefs` or `namespaces/,
    ],
    [
      'a window without times',
      { maintenanceWindows: [{ namespaces: ['shop'] }] },
      'aiSre.policy.maintenanceWindows[0].start',
      /`weekly`/,
    ],
    [
      'a window with both kinds of times',
      {
        maintenanceWindows: [
          {
            namespaces: ['shop'],
            start: '2025-03-04T00:00:00Z',
            end: '2025-03-05T00:00:00Z',
            weekly: { days: ['mon'], from: '01:00', to: '02:00' },
          },
        ],
      },
      'aiSre.policy.maintenanceWindows[0].weekly',
      /not both/,
    ],
    [
      'a bad weekday',
      {
        maintenanceWindows: [
          {
            namespaces: ['shop'],
            weekly: { days: ['funday'], from: '01:00', to: '02:00' },
          },
        ],
      },
      'aiSre.policy.maintenanceWindows[0].weekly.days[0]',
      /weekday/,
    ],
    [
      'a bad time of day',
      {
        maintenanceWindows: [
          {
            namespaces: ['shop'],
            weekly: { days: ['mon'], from: '25:00', to: '02:00' },
          },
        ],
      },
      'aiSre.policy.maintenanceWindows[0].weekly.from',
      /HH:MM/,
    ],
    [
      'an empty weekly window',
      {
        maintenanceWindows: [
          {
            namespaces: ['shop'],
            weekly: { days: ['mon'], from: '02:00', to: '02:00' },
          },
        ],
      },
      'aiSre.policy.maintenanceWindows[0].weekly.to',
      /differ/,
    ],
    [
      'a non-ISO start',
      {
        maintenanceWindows: [
          {
            namespaces: ['shop'],
            start: 'tomorrow',
            end: '2025-03-05T00:00:00Z',
          },
        ],
      },
      'aiSre.policy.maintenanceWindows[0].start',
      /ISO 8601/,
    ],
    [
      'a suppression that matches everything',
      { suppressions: [{ reason: 'too noisy' }] },
      'aiSre.policy.suppressions[0]',
      /at least one of/,
    ],
    [
      'a bad suppression expiry',
      { suppressions: [{ detector: 'pod-restarts', until: 'soon' }] },
      'aiSre.policy.suppressions[0].until',
      /ISO 8601/,
    ],
    [
      'a zero approval expiry',
      { approval: { expiresAfterMinutes: 0 } },
      'aiSre.policy.approval.expiresAfterMinutes',
      />0/,
    ],
    ['a policy that is not an object', 'strict', 'aiSre.policy', /object/],
  ])('rejects %s, naming its path', (_name, raw, path, message) => {
    const error = errorOf(raw);
    const issue = error.issues.find(i => i.path === path);
    expect(issue).toBeDefined();
    expect(issue!.message).toMatch(message);
    expect(error.message).toContain(`${path}: `);
  });

  it('names the path under a custom prefix', () => {
    expect(() => readPolicyConfig({ dryRun: 1 }, { path: 'policy' })).toThrow(
      /policy\.dryRun: /,
    );
  });

  it('reports every bad value at once', () => {
    const error = errorOf({ dryRun: 1, rateLimits: { maxRetries: -2 } });
    expect(error.issues.map(i => i.path).sort()).toEqual([
      'aiSre.policy.dryRun',
      'aiSre.policy.rateLimits.maxRetries',
    ]);
  });
});
