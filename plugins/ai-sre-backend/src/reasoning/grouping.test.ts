import { Signal } from '@internal/plugin-ai-sre-common';
import { groupSignals, isIncident } from './grouping';
import { DependencyLink } from './types';

let n = 0;
function signal(overrides: Partial<Signal> & { detector: string }): Signal {
  n++;
  return {
    schemaVersion: 1,
    id: `s${n}`,
    fingerprint: `f${n}`,
    severity: 'high',
    cluster: 'c',
    object: { kind: 'Pod', namespace: 'shop', name: `pod-${n}` },
    ownerChain: [],
    workload: { kind: 'Deployment', namespace: 'shop', name: 'web' },
    labels: {},
    reason: 'x',
    message: 'x',
    status: 'active',
    firstSeen: '2025-03-04T00:02:00.000Z',
    lastSeen: '2025-03-04T00:03:00.000Z',
    resolvedAt: null,
    count: 1,
    evidence: { fields: {}, events: [], logs: [], metrics: [] },
    entityRefs: [],
    ...overrides,
  };
}

const deployment = (name: string) => ({
  kind: 'Deployment',
  namespace: 'shop',
  name,
});

describe('groupSignals', () => {
  it('groups the signals of one workload, and keeps other workloads apart', () => {
    const groups = groupSignals(
      [
        signal({
          detector: 'crash-loop',
          entityRefs: ['component:default/web'],
        }),
        signal({ detector: 'rollout-stuck', object: deployment('web') }),
        signal({ detector: 'oom-killed', workload: deployment('orders') }),
        signal({ detector: 'image-pull', status: 'resolved' }),
      ],
      { dependencies: [] },
    );
    expect(groups.map(g => [g.key, g.signals.map(s => s.detector)])).toEqual([
      ['c|Deployment/shop/web', ['crash-loop', 'rollout-stuck']],
      ['c|Deployment/shop/orders', ['oom-killed']],
    ]);
    expect(groups[0].entityRefs).toEqual(['component:default/web']);
  });

  it('puts autoscalers that cannot read metrics with a failing metrics-server', () => {
    const metricsServer = {
      kind: 'Deployment',
      namespace: 'kube-system',
      name: 'metrics-server',
    };
    const hpa = (name: string) => ({
      kind: 'HorizontalPodAutoscaler',
      namespace: 'shop',
      name,
    });
    const groups = groupSignals(
      [
        signal({ detector: 'crash-loop', workload: metricsServer }),
        signal({
          detector: 'hpa-limited',
          severity: 'medium',
          object: hpa('web'),
          workload: hpa('web'),
          reason: 'FailedGetResourceMetric',
          message: 'Autoscaler web cannot scale: unable to get metrics',
        }),
        signal({
          detector: 'hpa-limited',
          severity: 'medium',
          object: hpa('orders'),
          workload: hpa('orders'),
          reason: 'FailedGetResourceMetric',
          message: 'Autoscaler orders cannot scale: unable to get metrics',
        }),
        // At its maximum: demand, not the metrics pipeline.
        signal({
          detector: 'hpa-limited',
          severity: 'medium',
          object: hpa('search'),
          workload: hpa('search'),
          reason: 'AtMaxReplicas',
        }),
      ],
      { dependencies: [] },
    );
    expect(groups.map(g => g.signals.length).sort()).toEqual([1, 3]);
    const pipeline = groups.find(g => g.signals.length === 3)!;
    expect(pipeline.signals.map(s => s.workload.name).sort()).toEqual([
      'metrics-server',
      'orders',
      'web',
    ]);
  });

  it('makes a node outage one group with every pod it failed', () => {
    const node = signal({
      detector: 'node-not-ready',
      severity: 'critical',
      object: { kind: 'Node', name: 'node-b' },
      workload: { kind: 'Node', name: 'node-b' },
      evidence: {
        fields: { pods: ['shop/web-1'] },
        events: [],
        logs: [],
        metrics: [],
      },
    });
    const pods = Array.from({ length: 500 }, (_, i) =>
      signal({
        detector: 'probe-failure',
        workload: deployment(`svc-${i % 50}`),
        evidence: {
          fields: { nodeName: 'node-b' },
          events: [],
          logs: [],
          metrics: [],
        },
      }),
    );
    const elsewhere = signal({
      detector: 'crash-loop',
      workload: deployment('other'),
      evidence: {
        fields: { nodeName: 'node-a' },
        events: [],
        logs: [],
        metrics: [],
      },
    });
    const groups = groupSignals([node, ...pods, elsewhere], {
      dependencies: [],
    });
    expect(groups).toHaveLength(2);
    expect(groups.find(g => g.signals.includes(node))!.signals).toHaveLength(
      501,
    );
  });

  it('puts the callers of a workload that ran on a failed node with the node', () => {
    const broker = { kind: 'StatefulSet', namespace: 'shop', name: 'queue' };
    const node = signal({
      detector: 'node-not-ready',
      severity: 'critical',
      object: { kind: 'Node', name: 'stateful-1' },
      workload: { kind: 'Node', name: 'stateful-1' },
      firstSeen: '2025-03-04T00:01:35.000Z',
      evidence: {
        fields: { pods: ['shop/queue-0'] },
        events: [],
        logs: [],
        metrics: [],
      },
    });
    // The caller fails before the broker's own (debounced) signal shows.
    const caller = signal({
      detector: 'error-rate',
      object: deployment('orders'),
      workload: deployment('orders'),
      firstSeen: '2025-03-04T00:02:45.000Z',
    });
    const unrelated = signal({
      detector: 'error-rate',
      object: deployment('search'),
      workload: deployment('search'),
      firstSeen: '2025-03-04T00:02:45.000Z',
    });
    const links: DependencyLink[] = [
      {
        cluster: 'c',
        from: deployment('orders'),
        to: [broker],
        fromEntityRefs: [],
        toEntityRefs: [],
        evidence: 'env AMQP_URL',
      },
    ];
    const groups = groupSignals([node, caller, unrelated], {
      dependencies: links,
    });
    expect(groups).toHaveLength(2);
    expect(groups.find(g => g.signals.includes(node))!.signals).toEqual([
      node,
      caller,
    ]);
  });

  it("puts a workload's rollout signal with the node its pods ran on", () => {
    const node = signal({
      detector: 'node-not-ready',
      severity: 'critical',
      object: { kind: 'Node', name: 'node-b' },
      workload: { kind: 'Node', name: 'node-b' },
      evidence: {
        fields: { pods: ['shop/web-5d9c7b8f6c-x2x7q'] },
        events: [],
        logs: [],
        metrics: [],
      },
    });
    const rollout = signal({
      detector: 'rollout-stuck',
      object: deployment('web'),
      workload: deployment('web'),
    });
    const unrelated = signal({
      detector: 'rollout-stuck',
      object: deployment('webhook'),
      workload: deployment('webhook'),
    });
    const groups = groupSignals([node, rollout, unrelated], {
      dependencies: [],
    });
    expect(groups.map(g => g.signals.map(s => s.detector).sort())).toEqual([
      ['node-not-ready', 'rollout-stuck'],
      ['rollout-stuck'],
    ]);
  });

  it('joins a caller and its failing dependency when they start close together', () => {
    const dependencies: DependencyLink[] = [
      {
        cluster: 'c',
        from: deployment('web'),
        to: [{ kind: 'StatefulSet', namespace: 'shop', name: 'postgres' }],
        fromEntityRefs: [],
        toEntityRefs: [],
        evidence: 'env DB_HOST',
      },
    ];
    const db = signal({
      detector: 'crash-loop',
      workload: { kind: 'StatefulSet', namespace: 'shop', name: 'postgres' },
      firstSeen: '2025-03-04T00:01:00.000Z',
    });
    const caller = signal({
      detector: 'error-rate',
      object: deployment('web'),
    });
    const late = signal({
      detector: 'error-rate',
      object: deployment('web2'),
      workload: deployment('web2'),
      firstSeen: '2025-03-04T03:00:00.000Z',
    });
    const groups = groupSignals([db, caller, late], {
      dependencies: [
        ...dependencies,
        { ...dependencies[0], from: deployment('web2') },
      ],
    });
    expect(groups.map(g => g.signals.map(s => s.id).sort())).toEqual([
      [caller.id, db.id].sort(),
      [late.id],
    ]);
    expect(groups[0].startedAt).toBe(Date.parse('2025-03-04T00:01:00.000Z'));
  });

  it('puts an autoscaler with its target', () => {
    const groups = groupSignals(
      [
        signal({
          detector: 'hpa-limited',
          severity: 'medium',
          object: {
            kind: 'HorizontalPodAutoscaler',
            namespace: 'shop',
            name: 'web-hpa',
          },
          workload: {
            kind: 'HorizontalPodAutoscaler',
            namespace: 'shop',
            name: 'web-hpa',
          },
          evidence: {
            fields: { target: { kind: 'Deployment', name: 'web' } },
            events: [],
            logs: [],
            metrics: [],
          },
        }),
        signal({ detector: 'cpu-throttling', severity: 'medium' }),
      ],
      { dependencies: [] },
    );
    expect(groups).toHaveLength(1);
  });
});

describe('isIncident', () => {
  const group = (severity: Signal['severity'], count = 1) => ({
    key: 'k',
    signals: Array.from({ length: count }, () =>
      signal({ detector: 'x', severity }),
    ),
    entityRefs: [],
    startedAt: 0,
  });

  it('opens for high and critical signals at once', () => {
    expect(isIncident(group('high'), 1)).toBe(true);
    expect(isIncident(group('critical'), 1)).toBe(true);
  });

  it('treats a lone low signal as noise until it lasts', () => {
    expect(isIncident(group('low'), 60_000)).toBe(false);
    expect(isIncident(group('low'), 16 * 60_000)).toBe(true);
    expect(isIncident(group('medium', 2), 1)).toBe(true);
  });
});

describe('nodes failing together', () => {
  it('are one outage, with the replacement pods that cannot be placed', () => {
    const at = (seconds: number) =>
      new Date(
        Date.parse('2025-03-04T00:00:00Z') + seconds * 1000,
      ).toISOString();
    const nodeDown = (name: string, seconds: number, workloads: string[]) =>
      signal({
        detector: 'node-not-ready',
        reason: 'NodeNotReady',
        object: { kind: 'Node', name },
        workload: { kind: 'Node', name },
        firstSeen: at(seconds),
        severity: 'critical',
        evidence: {
          fields: { pods: [], workloads },
          events: [],
          logs: [],
          metrics: [],
        },
      });
    const a = nodeDown('pool-a-1', 100, ['Deployment/shop/api']);
    const b = nodeDown('pool-a-2', 130, ['Deployment/shop/worker']);
    const later = nodeDown('pool-b-9', 100 + 3600, []);
    const pending = signal({
      detector: 'pod-pending',
      reason: 'Unschedulable',
      workload: deployment('worker'),
      firstSeen: at(200),
    });
    const groups = groupSignals([a, b, later, pending], { dependencies: [] });
    expect(groups).toHaveLength(2);
    const outage = groups.find(g => g.signals.includes(a))!;
    expect(outage.signals).toEqual(expect.arrayContaining([a, b, pending]));
    expect(outage.signals).not.toContain(later);
  });
});
