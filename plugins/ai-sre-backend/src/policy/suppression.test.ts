import { deployment, scenario, signal, T0 } from '../reasoning/rules/fixtures';
import { readPolicyConfig, type PolicyConfigInput } from './config';
import {
  activeOccurrence,
  maintenanceWindowFor,
  suppressed,
} from './suppression';

// T0 is Tuesday 2025-03-04T00:00:00Z.
const time = (iso: string) => Date.parse(iso);
const crash = (name = 'web', namespace = 'shop') =>
  signal({
    detector: 'pod-restarts',
    reason: 'CrashLoopBackOff',
    workload: deployment(name, namespace),
  });

const configWith = (policy: PolicyConfigInput) => readPolicyConfig(policy);

describe('maintenance windows', () => {
  it.each<[string, PolicyConfigInput['maintenanceWindows'], string, boolean]>([
    [
      'one-off: before the start',
      [
        {
          namespaces: ['shop'],
          start: '2025-03-04T01:00:00Z',
          end: '2025-03-04T03:00:00Z',
        },
      ],
      '2025-03-04T00:59:59.999Z',
      false,
    ],
    [
      'one-off: at the start (inclusive)',
      [
        {
          namespaces: ['shop'],
          start: '2025-03-04T01:00:00Z',
          end: '2025-03-04T03:00:00Z',
        },
      ],
      '2025-03-04T01:00:00Z',
      true,
    ],
    [
      'one-off: just before the end',
      [
        {
          namespaces: ['shop'],
          start: '2025-03-04T01:00:00Z',
          end: '2025-03-04T03:00:00Z',
        },
      ],
      '2025-03-04T02:59:59.999Z',
      true,
    ],
    [
      'one-off: at the end (exclusive)',
      [
        {
          namespaces: ['shop'],
          start: '2025-03-04T01:00:00Z',
          end: '2025-03-04T03:00:00Z',
        },
      ],
      '2025-03-04T03:00:00Z',
      false,
    ],
    [
      'weekly: on the day, at from',
      [
        {
          namespaces: ['shop'],
          weekly: { days: ['tue'], from: '01:00', to: '03:00' },
        },
      ],
      '2025-03-04T01:00:00Z',
      true,
    ],
    [
      'weekly: on the day, at to (exclusive)',
      [
        {
          namespaces: ['shop'],
          weekly: { days: ['tue'], from: '01:00', to: '03:00' },
        },
      ],
      '2025-03-04T03:00:00Z',
      false,
    ],
    [
      'weekly: on the day, before from',
      [
        {
          namespaces: ['shop'],
          weekly: { days: ['tue'], from: '01:00', to: '03:00' },
        },
      ],
      '2025-03-04T00:59:00Z',
      false,
    ],
    [
      'weekly: same hours, another day',
      [
        {
          namespaces: ['shop'],
          weekly: { days: ['tue'], from: '01:00', to: '03:00' },
        },
      ],
      '2025-03-05T01:30:00Z',
      false,
    ],
    [
      'weekly: a week later',
      [
        {
          namespaces: ['shop'],
          weekly: { days: ['tue'], from: '01:00', to: '03:00' },
        },
      ],
      '2025-03-11T01:30:00Z',
      true,
    ],
    [
      'overnight: started the day before',
      [
        {
          namespaces: ['shop'],
          weekly: { days: ['mon'], from: '22:00', to: '02:00' },
        },
      ],
      '2025-03-04T01:59:59Z',
      true,
    ],
    [
      'overnight: ends at to the next day',
      [
        {
          namespaces: ['shop'],
          weekly: { days: ['mon'], from: '22:00', to: '02:00' },
        },
      ],
      '2025-03-04T02:00:00Z',
      false,
    ],
    [
      'overnight: at from on the day',
      [
        {
          namespaces: ['shop'],
          weekly: { days: ['mon'], from: '22:00', to: '02:00' },
        },
      ],
      '2025-03-03T22:00:00Z',
      true,
    ],
    [
      'overnight: not after an unlisted day',
      [
        {
          namespaces: ['shop'],
          weekly: { days: ['mon'], from: '22:00', to: '02:00' },
        },
      ],
      '2025-03-05T01:00:00Z',
      false,
    ],
    [
      'until midnight: last minute',
      [
        {
          namespaces: ['shop'],
          weekly: { days: ['tue'], from: '22:00', to: '24:00' },
        },
      ],
      '2025-03-04T23:59:59Z',
      true,
    ],
    [
      'until midnight: next day',
      [
        {
          namespaces: ['shop'],
          weekly: { days: ['tue'], from: '22:00', to: '24:00' },
        },
      ],
      '2025-03-05T00:00:00Z',
      false,
    ],
    [
      'from midnight',
      [
        {
          namespaces: ['shop'],
          weekly: { days: ['tuesday'], from: '00:00', to: '01:00' },
        },
      ],
      '2025-03-04T00:00:00Z',
      true,
    ],
  ])('%s', (_name, windows, now, expected) => {
    const config = configWith({ maintenanceWindows: windows });
    const result = suppressed(crash(), config, time(now));
    expect(result.suppressed).toBe(expected);
    expect(result.reason ?? '').toMatch(
      expected
        ? /maintenance window aiSre\.policy\.maintenanceWindows\[0\] covers namespace shop from /
        : /^$/,
    );
  });

  it('gives the occurrence that is open', () => {
    const config = configWith({
      maintenanceWindows: [
        {
          namespaces: ['shop'],
          weekly: { days: ['mon'], from: '22:00', to: '02:00' },
        },
      ],
    });
    expect(
      activeOccurrence(
        config.maintenanceWindows[0],
        time('2025-03-04T01:00:00Z'),
      ),
    ).toEqual({
      start: time('2025-03-03T22:00:00Z'),
      end: time('2025-03-04T02:00:00Z'),
    });
  });

  it.each<
    [
      string,
      NonNullable<PolicyConfigInput['maintenanceWindows']>[number],
      boolean,
    ]
  >([
    [
      'an entity, written short',
      {
        entityRefs: ['Component:web'],
        start: '2025-03-04T00:00:00Z',
        end: '2025-03-05T00:00:00Z',
      },
      true,
    ],
    [
      'another entity',
      {
        entityRefs: ['component:default/api'],
        start: '2025-03-04T00:00:00Z',
        end: '2025-03-05T00:00:00Z',
      },
      false,
    ],
    [
      'a namespace prefix',
      {
        namespaces: ['sh*'],
        start: '2025-03-04T00:00:00Z',
        end: '2025-03-05T00:00:00Z',
      },
      true,
    ],
    [
      'every namespace',
      {
        namespaces: ['*'],
        start: '2025-03-04T00:00:00Z',
        end: '2025-03-05T00:00:00Z',
      },
      true,
    ],
    [
      'another namespace',
      {
        namespaces: ['payments'],
        start: '2025-03-04T00:00:00Z',
        end: '2025-03-05T00:00:00Z',
      },
      false,
    ],
    [
      'its cluster',
      {
        namespaces: ['shop'],
        clusters: ['prod'],
        start: '2025-03-04T00:00:00Z',
        end: '2025-03-05T00:00:00Z',
      },
      true,
    ],
    [
      'another cluster',
      {
        namespaces: ['shop'],
        clusters: ['staging'],
        start: '2025-03-04T00:00:00Z',
        end: '2025-03-05T00:00:00Z',
      },
      false,
    ],
  ])('scopes a window to %s', (_name, window, expected) => {
    const config = configWith({ maintenanceWindows: [window] });
    expect(suppressed(crash(), config, T0 + 60_000).suppressed).toBe(expected);
  });

  it('names the window and its reason', () => {
    const config = configWith({
      maintenanceWindows: [
        {
          name: 'db upgrade',
          entityRefs: ['component:default/web'],
          start: '2025-03-04T00:00:00Z',
          end: '2025-03-04T02:00:00Z',
          reason: 'CHG-42',
        },
      ],
    });
    const s = crash();
    expect(suppressed(s, config, T0).reason).toBe(
      `Signal pod-restarts on Pod/shop/${s.object.name} is suppressed by maintenance window "db upgrade" covers entity component:default/web from 2025-03-04T00:00:00.000Z to 2025-03-04T02:00:00.000Z (CHG-42).`,
    );
    expect(
      maintenanceWindowFor(
        { entityRefs: ['component:default/web'], namespaces: [] },
        config,
        T0,
      ),
    ).toContain('"db upgrade"');
  });
});

describe('suppression rules', () => {
  it.each<
    [
      string,
      NonNullable<PolicyConfigInput['suppressions']>[number],
      number,
      boolean,
    ]
  >([
    ['by detector', { detector: 'pod-restarts' }, T0, true],
    ['by another detector', { detector: 'oom-killed' }, T0, false],
    ['by entity', { entityRef: 'component:default/web' }, T0, true],
    ['by namespace pattern', { namespace: 'sh*' }, T0, true],
    ['by cluster', { cluster: 'prod' }, T0, true],
    [
      'by detector and namespace, both matching',
      { detector: 'pod-restarts', namespace: 'shop' },
      T0,
      true,
    ],
    [
      'by detector and namespace, one not matching',
      { detector: 'pod-restarts', namespace: 'payments' },
      T0,
      false,
    ],
    [
      'before its expiry',
      { detector: 'pod-restarts', until: '2025-03-04T01:00:00Z' },
      time('2025-03-04T00:59:59Z'),
      true,
    ],
    [
      'at its expiry (lapsed)',
      { detector: 'pod-restarts', until: '2025-03-04T01:00:00Z' },
      time('2025-03-04T01:00:00Z'),
      false,
    ],
  ])('suppresses %s', (_name, rule, now, expected) => {
    const config = configWith({ suppressions: [rule] });
    expect(suppressed(crash(), config, now).suppressed).toBe(expected);
  });

  it('explains which rule matched', () => {
    const config = configWith({
      suppressions: [
        { detector: 'oom-killed' },
        {
          detector: 'pod-restarts',
          namespace: 'shop',
          until: '2025-04-01T00:00:00Z',
          reason: 'known flaky',
        },
      ],
    });
    expect(suppressed(crash(), config, T0).reason).toMatch(
      /suppressed by suppression rule aiSre\.policy\.suppressions\[1\] \(detector pod-restarts, namespace shop, until 2025-04-01T00:00:00Z\): known flaky\.$/,
    );
  });

  it('is not suppressed without rules or windows', () => {
    expect(suppressed(crash(), readPolicyConfig({}), T0)).toEqual({
      suppressed: false,
    });
  });
});

describe('groups', () => {
  const config = configWith({
    suppressions: [{ namespace: 'shop', reason: 'load test' }],
  });

  it('suppresses a group when every signal is suppressed', () => {
    const { group } = scenario([crash('web'), crash('api')]);
    const result = suppressed(group, config, T0);
    expect(result.suppressed).toBe(true);
    expect(result.reason).toMatch(
      /^All 2 signals of the group are suppressed: suppression rule aiSre\.policy\.suppressions\[0\] \(namespace shop\): load test\.$/,
    );
  });

  it('does not when one signal is outside the rules', () => {
    const { group } = scenario([crash('web'), crash('billing', 'payments')]);
    expect(suppressed(group, config, T0)).toEqual({ suppressed: false });
  });

  it('judges a group without signals by its entities', () => {
    const c = configWith({ suppressions: [{ entityRef: 'component:web' }] });
    const group = {
      key: 'k',
      signals: [],
      entityRefs: ['component:default/web'],
      startedAt: T0,
    };
    expect(suppressed(group, c, T0).suppressed).toBe(true);
    expect(
      suppressed({ ...group, entityRefs: ['component:default/api'] }, c, T0)
        .suppressed,
    ).toBe(false);
  });
});
