import type { ObjectRef } from '@internal/plugin-ai-sre-common';
import { deployment, scenario, signal, T0 } from '../reasoning/rules/fixtures';
import type { Hypothesis, PlanStep, SignalGroup } from '../reasoning/types';
import { readPolicyConfig, type PolicyConfigInput } from './config';
import { decide, type PolicyInput } from './evaluate';

const WEB = deployment('web');
const DB: ObjectRef = { kind: 'StatefulSet', namespace: 'shop', name: 'db' };
const NODE: ObjectRef = { kind: 'Node', name: 'node-1' };
const ENTITY = 'component:default/web';

function step(
  action: string,
  target: ObjectRef | null = WEB,
  params: PlanStep['params'] = {},
  risk: PlanStep['risk'] = 'medium',
): PlanStep {
  return {
    action: action as PlanStep['action'],
    target,
    params,
    risk,
    expectedEffect: 'effect',
    verification: 'verify',
    inverse: 'undo',
  };
}

const notify = step(
  'notify-owner',
  { kind: 'Component', namespace: 'default', name: 'web' },
  {},
  'low',
);
const monitor = step('monitor', WEB, { minutes: 15 }, 'low');
const restart = step('restart-workload', WEB, {}, 'low');
const rollback = step('rollback-deployment', WEB, {
  revision: 6,
  fromRevision: 7,
});

function hypothesis(
  confidence = 0.9,
  entityRef: string | null = ENTITY,
): Hypothesis {
  return {
    category: 'memory-leak',
    object: WEB,
    entityRef,
    confidence,
    summary: 'web leaks memory',
    evidence: { signalIds: [], changeIds: [], facts: [] },
  };
}

/** Three replicas of web crash-looping. */
function webGroup(): SignalGroup {
  return scenario([
    signal({
      detector: 'rollout-stuck',
      reason: 'ReplicasUnavailable',
      object: WEB,
      workload: WEB,
      fields: { replicas: 3 },
    }),
    signal({
      detector: 'pod-restarts',
      reason: 'CrashLoopBackOff',
      workload: WEB,
    }),
  ]).group;
}

/** Auto-execution on for a non-production entity: the permissive baseline. */
const AUTO: PolicyConfigInput = { autoExecute: { enabled: true } };

function input(
  overrides: Partial<Omit<PolicyInput, 'config'>> & {
    config?: PolicyConfigInput;
  } = {},
): PolicyInput {
  const { config, ...rest } = overrides;
  return {
    plan: [restart, notify],
    hypothesis: hypothesis(),
    group: webGroup(),
    entity: {
      ref: ENTITY,
      lifecycle: 'experimental',
      ownerRef: 'group:default/shop-team',
    },
    history: { actionsForEntityLastHour: 0, attemptsForIncident: 0 },
    killSwitch: { global: false, entityRefs: [] },
    now: T0,
    ...rest,
    config: readPolicyConfig(config ?? AUTO),
  };
}

const stepReasons = (d: ReturnType<typeof decide>, i: number) =>
  d.steps[i].reasons.join('\n');

describe('decide', () => {
  describe('defaults', () => {
    it('asks a human for every change', () => {
      const d = decide(
        input({
          config: {},
          plan: [rollback, notify],
          entity: { ref: ENTITY, lifecycle: 'production', ownerRef: null },
        }),
      );
      expect(d.decision).toBe('ask-human');
      expect(d.dryRun).toBe(false);
      expect(d.reasons).toEqual([
        'Ask a human: 1 step needs approval (step 1, rollback-deployment on Deployment/shop/web).',
        "Auto-execution is off (aiSre.policy.autoExecute.enabled is false): every change needs a human's approval.",
      ]);
      expect(d.steps).toEqual([
        expect.objectContaining({
          index: 0,
          action: 'rollback-deployment',
          allowed: true,
          needsApproval: true,
        }),
        expect.objectContaining({
          index: 1,
          action: 'notify-owner',
          allowed: true,
          needsApproval: false,
        }),
      ]);
      expect(stepReasons(d, 0)).toContain(
        'Needs approval: component:default/web has lifecycle production, listed in aiSre.policy.requireApproval.lifecycles.',
      );
      expect(stepReasons(d, 0)).toContain(
        'Needs approval: rollback-deployment is not in aiSre.policy.autoExecute.actions',
      );
      expect(stepReasons(d, 1)).toBe(
        'notify-owner changes nothing in the cluster and is allow-listed.',
      );
    });

    it('asks a human even for a low-risk change outside production', () => {
      const d = decide(input({ config: {} }));
      expect(d.decision).toBe('ask-human');
      expect(d.steps[0].needsApproval).toBe(true);
      expect(stepReasons(d, 0)).toContain(
        'Needs approval: Auto-execution is off (aiSre.policy.autoExecute.enabled is false)',
      );
    });
  });

  it('auto-executes only when every rule allows it, and says why', () => {
    const d = decide(input());
    expect(d.decision).toBe('auto-execute');
    expect(d.reasons).toEqual([
      "Auto-execute: auto-execution is on, confidence 0.90 is at least 0.8, every step is allowed, none needs approval, every action is in aiSre.policy.autoExecute.actions, and the entity's actions this hour, this plan included, number 1 of at most 3.",
    ]);
    expect(d.steps.map(s => [s.allowed, s.needsApproval])).toEqual([
      [true, false],
      [true, false],
    ]);
    expect(stepReasons(d, 0)).toBe(
      [
        'restart-workload is in aiSre.policy.allowedActions.',
        'Within the blast-radius limit: restart-workload on Deployment/shop/web restarts or evicts 3 pods (replicas in the rollout-stuck signal), at most 25 allowed (aiSre.policy.blastRadius.maxPodsRestarted).',
      ].join('\n'),
    );
  });

  it('is deterministic', () => {
    expect(decide(input())).toEqual(decide(input()));
  });

  it.each<[string, PlanStep[], string]>([
    [
      'notify and monitor',
      [notify, monitor],
      'Monitor only: the plan has only notify-owner and monitor steps, which change nothing in the cluster.',
    ],
    [
      'monitor',
      [monitor],
      'Monitor only: the plan has only monitor steps, which change nothing in the cluster.',
    ],
    [
      'nothing',
      [],
      'The plan is empty: nothing to execute; the incident is monitored.',
    ],
  ])('monitors a plan of %s', (_name, plan, reason) => {
    const d = decide(input({ plan }));
    expect(d.decision).toBe('monitor');
    expect(d.reasons).toEqual([reason]);
    expect(d.steps.every(s => s.allowed && !s.needsApproval)).toBe(true);
  });

  describe('allow-list', () => {
    it('refuses an action the adopter took off the list', () => {
      const d = decide(
        input({
          config: { ...AUTO, allowedActions: ['notify-owner', 'monitor'] },
        }),
      );
      expect(d.decision).toBe('refuse');
      expect(d.steps[0]).toEqual({
        index: 0,
        action: 'restart-workload',
        allowed: false,
        needsApproval: false,
        reasons: [
          'Refused: restart-workload is not in aiSre.policy.allowedActions (notify-owner, monitor).',
        ],
      });
      expect(d.reasons).toEqual([
        'Refused: 1 step of the plan may not run (step 1, restart-workload); a human may adjust the plan.',
      ]);
      expect(d.notify).toBe(true);
    });

    it('refuses an action that is not a remediation action at all', () => {
      const d = decide(input({ plan: [step('kubectl-exec'), notify] }));
      expect(d.decision).toBe('refuse');
      expect(stepReasons(d, 0)).toMatch(
        /^Refused: "kubectl-exec" is not one of the allow-listed remediation actions \(rollback-deployment, /,
      );
    });

    it('refuses a change without a target', () => {
      const d = decide(input({ plan: [step('restart-workload', null)] }));
      expect(d.decision).toBe('refuse');
      expect(stepReasons(d, 0)).toBe(
        'Refused: restart-workload names no target object, so what it would change cannot be checked.',
      );
    });
  });

  describe('kill-switch', () => {
    it.each<[string, Partial<PolicyInput>, PolicyConfigInput, string]>([
      [
        'global at runtime',
        { killSwitch: { global: true, entityRefs: [] } },
        AUTO,
        'The global kill-switch is on (set at runtime): nothing is executed.',
      ],
      [
        'global in config',
        {},
        { ...AUTO, killSwitch: { global: true } },
        'The global kill-switch is on (aiSre.policy.killSwitch.global): nothing is executed.',
      ],
      [
        'entity at runtime',
        { killSwitch: { global: false, entityRefs: [ENTITY] } },
        AUTO,
        'The kill-switch for component:default/web is on (set at runtime): nothing is executed for it.',
      ],
      [
        'entity in config, written short',
        {},
        { ...AUTO, killSwitch: { entities: ['component:web'] } },
        'The kill-switch for component:web is on (aiSre.policy.killSwitch.entities): nothing is executed for it.',
      ],
    ])('stops execution: %s', (_name, over, config, reason) => {
      const d = decide(input({ ...over, config }));
      expect(d.decision).toBe('monitor');
      expect(d.reasons).toEqual([`Monitor only. ${reason}`]);
      expect(d.steps[0].allowed).toBe(false);
      expect(stepReasons(d, 0)).toContain(`Blocked: ${reason}`);
      expect(d.steps[1].allowed).toBe(true);
      expect(d.notify).toBe(true);
    });

    it('ignores the switch of another entity', () => {
      const d = decide(
        input({
          killSwitch: { global: false, entityRefs: ['component:default/api'] },
        }),
      );
      expect(d.decision).toBe('auto-execute');
    });
  });

  it('never auto-executes in dry-run mode', () => {
    const d = decide(input({ config: { ...AUTO, dryRun: true } }));
    expect(d.decision).toBe('ask-human');
    expect(d.dryRun).toBe(true);
    expect(d.reasons).toContain(
      'Dry-run mode is on (aiSre.policy.dryRun): nothing runs without a human, and approved steps run as server-side dry-runs only.',
    );
  });

  it('asks a human below the confidence threshold', () => {
    const d = decide(input({ hypothesis: hypothesis(0.62) }));
    expect(d.decision).toBe('ask-human');
    expect(d.reasons).toContain(
      'Confidence in the root cause (memory-leak) is 0.62, below the 0.8 needed to act without a human (aiSre.policy.autoExecute.minConfidence).',
    );
    expect(decide(input({ hypothesis: hypothesis(0.8) })).decision).toBe(
      'auto-execute',
    );
    expect(
      decide(
        input({
          hypothesis: hypothesis(0.62),
          config: { autoExecute: { enabled: true, minConfidence: 0.6 } },
        }),
      ).decision,
    ).toBe('auto-execute');
  });

  it('asks a human for an action outside autoExecute.actions', () => {
    const d = decide(input({ plan: [rollback, notify], group: webGroup() }));
    expect(d.decision).toBe('ask-human');
    expect(stepReasons(d, 0)).toContain(
      'Needs approval: rollback-deployment is not in aiSre.policy.autoExecute.actions (restart-workload, delete-pod, cordon-node, suspend-cronjob, notify-owner, monitor).',
    );
  });

  describe('approval rules', () => {
    const dbGroup = scenario([
      signal({
        detector: 'pod-restarts',
        reason: 'CrashLoopBackOff',
        object: { kind: 'Pod', namespace: 'shop', name: 'db-0' },
        workload: DB,
      }),
    ]).group;
    it.each<[string, Partial<PolicyInput>, PolicyConfigInput, string]>([
      [
        'a production entity',
        { entity: { ref: ENTITY, lifecycle: 'Production', ownerRef: null } },
        AUTO,
        'Needs approval: component:default/web has lifecycle Production, listed in aiSre.policy.requireApproval.lifecycles.',
      ],
      [
        'a StatefulSet',
        {
          plan: [step('restart-workload', DB, { currentReplicas: 3 }, 'low')],
          group: dbGroup,
        },
        AUTO,
        'Needs approval: the target StatefulSet/shop/db is a StatefulSet, listed in aiSre.policy.requireApproval.kinds.',
      ],
      [
        'a pod of a StatefulSet',
        {
          plan: [
            step(
              'delete-pod',
              { kind: 'Pod', namespace: 'shop', name: 'db-0' },
              {},
              'low',
            ),
          ],
          group: dbGroup,
        },
        AUTO,
        'Needs approval: the target Pod/shop/db-0 belongs to a StatefulSet, listed in aiSre.policy.requireApproval.kinds.',
      ],
      [
        'a node',
        { plan: [step('cordon-node', NODE, { node: 'node-1' }, 'low')] },
        AUTO,
        'Needs approval: the target Node/node-1 is a Node, listed in aiSre.policy.requireApproval.kinds.',
      ],
      [
        'a listed namespace',
        {},
        { ...AUTO, requireApproval: { namespaces: ['sh*'] } },
        'Needs approval: the target is in namespace shop, matching "sh*" in aiSre.policy.requireApproval.namespaces.',
      ],
      [
        'a listed action',
        {},
        { ...AUTO, requireApproval: { actions: ['restart-workload'] } },
        'Needs approval: restart-workload is listed in aiSre.policy.requireApproval.actions.',
      ],
      [
        'a high-risk step',
        { plan: [step('restart-workload', WEB, {}, 'high')] },
        AUTO,
        "Needs approval: the step's risk is high, listed in aiSre.policy.requireApproval.risks.",
      ],
      [
        'no catalog entity',
        { entity: null },
        AUTO,
        'Needs approval: the incident has no catalog entity, so its lifecycle and owner are unknown (aiSre.policy.requireApproval.unknownEntity).',
      ],
    ])('needs approval for %s', (_name, over, config, reason) => {
      const d = decide(input({ ...over, config }));
      expect(d.decision).toBe('ask-human');
      expect(d.steps[0]).toMatchObject({ allowed: true, needsApproval: true });
      expect(stepReasons(d, 0)).toContain(reason);
    });

    it('lets an adopter relax a rule', () => {
      const d = decide(
        input({
          plan: [step('cordon-node', NODE, { node: 'node-1' }, 'low')],
          config: { ...AUTO, requireApproval: { kinds: ['StatefulSet'] } },
        }),
      );
      expect(d.decision).toBe('auto-execute');
    });
  });

  describe('blast radius', () => {
    const nodeGroup = scenario([
      signal({
        detector: 'node-not-ready',
        reason: 'NodeNotReady',
        object: NODE,
        fields: { podsOnNode: 40 },
      }),
    ]).group;
    it.each<[string, Partial<PolicyInput>, string]>([
      [
        'a scale-up beyond the replica limit',
        { plan: [step('scale-workload', WEB, { replicas: 20 }, 'low')] },
        'scale-workload on Deployment/shop/web changes 17 replicas (from 3 (replicas in the rollout-stuck signal) to 20 replicas), above the limit of 10 (aiSre.policy.blastRadius.maxReplicasChanged)',
      ],
      [
        'an autoscaler maximum raised too far',
        {
          plan: [
            step(
              'set-autoscaler',
              {
                kind: 'HorizontalPodAutoscaler',
                namespace: 'shop',
                name: 'web',
              },
              { maxReplicas: 24, previousMaxReplicas: 8 },
              'low',
            ),
          ],
        },
        'set-autoscaler on HorizontalPodAutoscaler/shop/web changes 16 replicas (the autoscaler may change the workload by that many replicas (maxReplicas 8 to 24)), above the limit of 10 (aiSre.policy.blastRadius.maxReplicasChanged)',
      ],
      [
        'a drain of a busy node',
        {
          plan: [step('drain-node', NODE, { node: 'node-1' }, 'low')],
          group: nodeGroup,
        },
        'drain-node on Node/node-1 restarts or evicts 40 pods (podsOnNode in the node-not-ready signal), above the limit of 25 (aiSre.policy.blastRadius.maxPodsRestarted)',
      ],
      [
        'deleting many pods',
        {
          plan: [
            step(
              'delete-pod',
              { kind: 'Pod', namespace: 'shop', name: 'web-1' },
              { count: 30 },
              'low',
            ),
          ],
        },
        "delete-pod on Pod/shop/web-1 restarts or evicts 30 pods (the plan's pods parameter), above the limit of 25 (aiSre.policy.blastRadius.maxPodsRestarted)",
      ],
      [
        'two nodes',
        {
          plan: [
            step('cordon-node', NODE, {}, 'low'),
            step('cordon-node', { kind: 'Node', name: 'node-2' }, {}, 'low'),
          ],
        },
        'the plan touches 2 nodes (node-1, node-2), above the limit of 1 (aiSre.policy.blastRadius.maxNodesTouched)',
      ],
    ])('asks a human for %s, or refuses it', (_name, over, text) => {
      const relaxed: PolicyConfigInput = {
        ...AUTO,
        requireApproval: { kinds: [] },
      };
      const asked = decide(input({ ...over, config: relaxed }));
      expect(asked.decision).toBe('ask-human');
      expect(asked.steps[0]).toMatchObject({
        allowed: true,
        needsApproval: true,
      });
      expect(stepReasons(asked, 0)).toContain(`Needs approval: ${text}.`);

      const refused = decide(
        input({
          ...over,
          config: { ...relaxed, blastRadius: { onExceed: 'refuse' } },
        }),
      );
      expect(refused.decision).toBe('refuse');
      expect(refused.steps[0]).toMatchObject({
        allowed: false,
        needsApproval: false,
      });
      expect(stepReasons(refused, 0)).toContain(
        `Refused: ${text} (aiSre.policy.blastRadius.onExceed is refuse).`,
      );
    });

    it('counts a node drained and cordoned once', () => {
      const d = decide(
        input({
          plan: [
            step('drain-node', NODE, {}, 'low'),
            step('cordon-node', NODE, {}, 'low'),
          ],
          group: scenario([
            signal({
              detector: 'node-not-ready',
              reason: 'NodeNotReady',
              object: NODE,
              fields: { podsOnNode: 4 },
            }),
          ]).group,
          config: {
            autoExecute: {
              enabled: true,
              actions: ['drain-node', 'cordon-node'],
            },
            requireApproval: { kinds: [] },
          },
        }),
      );
      expect(d.decision).toBe('auto-execute');
      expect(stepReasons(d, 1)).toContain(
        'Within the blast-radius limit: the plan touches 1 node (node-1), at most 1 allowed (aiSre.policy.blastRadius.maxNodesTouched).',
      );
    });

    it('adds up the pods of several steps', () => {
      const group = scenario([
        signal({
          detector: 'rollout-stuck',
          reason: 'ReplicasUnavailable',
          object: WEB,
          workload: WEB,
          fields: { replicas: 15 },
        }),
      ]).group;
      const d = decide(
        input({
          plan: [
            restart,
            step('set-resources', WEB, { memoryLimit: '512Mi' }, 'low'),
          ],
          group,
          config: {
            autoExecute: {
              enabled: true,
              actions: ['restart-workload', 'set-resources'],
            },
          },
        }),
      );
      expect(d.decision).toBe('ask-human');
      expect(stepReasons(d, 1)).toContain(
        'Needs approval: set-resources on Deployment/shop/web restarts or evicts 15 pods (replicas in the rollout-stuck signal); the plan restarts or evicts 30 pods in all, above the limit of 25 (aiSre.policy.blastRadius.maxPodsRestarted).',
      );
    });

    it('asks a human when the evidence cannot measure a step', () => {
      const d = decide(
        input({
          group: scenario([
            signal({
              detector: 'node-not-ready',
              reason: 'NodeNotReady',
              object: NODE,
            }),
          ]).group,
        }),
      );
      expect(d.decision).toBe('ask-human');
      expect(stepReasons(d, 0)).toContain(
        'Needs approval: the evidence does not tell how many pods restart-workload on Deployment/shop/web affects, so the blast-radius limit cannot be checked.',
      );
    });

    it('asks a human when only a lower bound is known', () => {
      const group = scenario([
        signal({
          detector: 'pod-restarts',
          reason: 'CrashLoopBackOff',
          workload: WEB,
        }),
        signal({
          detector: 'pod-restarts',
          reason: 'CrashLoopBackOff',
          workload: WEB,
        }),
      ]).group;
      const d = decide(input({ group }));
      expect(d.decision).toBe('ask-human');
      expect(stepReasons(d, 0)).toContain(
        'Needs approval: restart-workload on Deployment/shop/web restarts or evicts at least 2 pods (2 pods seen in the evidence), but the evidence gives only a lower bound, so the limit of 25 (aiSre.policy.blastRadius.maxPodsRestarted) cannot be confirmed.',
      );
    });
  });

  describe('rate limits and retries', () => {
    it('asks a human when the plan would pass the hourly limit', () => {
      const d = decide(
        input({
          history: { actionsForEntityLastHour: 3, attemptsForIncident: 0 },
        }),
      );
      expect(d.decision).toBe('ask-human');
      expect(d.reasons).toContain(
        'Rate limit: 3 actions ran for component:default/web in the last hour and this plan adds 1, above the limit of 3 per hour (aiSre.policy.rateLimits.actionsPerEntityPerHour).',
      );
      expect(
        decide(
          input({
            history: { actionsForEntityLastHour: 2, attemptsForIncident: 0 },
          }),
        ).decision,
      ).toBe('auto-execute');
    });

    it('counts every change of the plan', () => {
      const d = decide(
        input({
          plan: [
            restart,
            step(
              'delete-pod',
              { kind: 'Pod', namespace: 'shop', name: 'web-1' },
              {},
              'low',
            ),
          ],
          history: { actionsForEntityLastHour: 2, attemptsForIncident: 0 },
        }),
      );
      expect(d.decision).toBe('ask-human');
      expect(d.reasons.join('\n')).toContain(
        'this plan adds 2, above the limit of 3',
      );
    });

    it('monitors and notifies after the last retry', () => {
      expect(
        decide(
          input({
            history: { actionsForEntityLastHour: 0, attemptsForIncident: 2 },
          }),
        ).decision,
      ).toBe('auto-execute');
      const d = decide(
        input({
          history: { actionsForEntityLastHour: 0, attemptsForIncident: 3 },
        }),
      );
      expect(d.decision).toBe('monitor');
      expect(d.notify).toBe(true);
      expect(d.reasons).toEqual([
        'Monitor only and notify the owner: 3 execution attempts already made for this incident; at most 2 retries are allowed after the first (aiSre.policy.rateLimits.maxRetries).',
      ]);
      expect(d.steps[0].allowed).toBe(false);
    });
  });

  it('monitors only during a maintenance window', () => {
    const d = decide(
      input({
        config: {
          ...AUTO,
          maintenanceWindows: [
            {
              name: 'node upgrades',
              namespaces: ['shop'],
              weekly: { days: ['tue'], from: '00:00', to: '04:00' },
            },
          ],
        },
      }),
    );
    expect(d.decision).toBe('monitor');
    expect(d.notify).toBe(false);
    expect(d.reasons).toEqual([
      'Monitor only. A maintenance window "node upgrades" covers namespace shop from 2025-03-04T00:00:00.000Z to 2025-03-04T04:00:00.000Z: planned work is under way, so nothing is executed.',
    ]);
    expect(
      decide(
        input({
          now: T0 + 4 * 3600_000,
          config: {
            ...AUTO,
            maintenanceWindows: [
              {
                namespaces: ['shop'],
                weekly: { days: ['tue'], from: '00:00', to: '04:00' },
              },
            ],
          },
        }),
      ).decision,
    ).toBe('auto-execute');
  });

  it('puts the kill-switch before every other rule', () => {
    const d = decide(
      input({
        plan: [step('kubectl-exec')],
        killSwitch: { global: true, entityRefs: [] },
        history: { actionsForEntityLastHour: 10, attemptsForIncident: 10 },
      }),
    );
    expect(d.decision).toBe('monitor');
    expect(d.reasons[0]).toContain('global kill-switch');
  });
});
