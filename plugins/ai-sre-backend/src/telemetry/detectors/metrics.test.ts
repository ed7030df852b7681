import type {
  DetectorContext,
  MetricSeries,
} from '@internal/plugin-ai-sre-node';
import { errorRateDetector, pvcFillingDetector } from './metrics';

function context(series: Record<string, MetricSeries[]>): DetectorContext {
  return {
    cluster: 'c',
    now: () => 1_000_000,
    settings: { ...pvcFillingDetector.defaults },
    get: (kind, namespace, name) =>
      kind === 'PersistentVolumeClaim' && name === 'pgdata-postgres-0'
        ? { kind, metadata: { name, namespace, uid: 'pvc-1' } }
        : undefined,
    list: () => [],
    eventsFor: () => [],
    ownerChain: () => [],
    podsOf: () => [],
    baseline: { get: () => undefined, observe: () => {} },
    metrics: {
      rate: async () => [],
      quantile: async () => [],
      latest: async name => series[name] ?? [],
    },
  };
}

const labels = (claim: string) => ({
  namespace: 'db',
  persistentvolumeclaim: claim,
});

describe('pvc-filling', () => {
  it('fires on a claim past 90% of its capacity, and only there', async () => {
    const gi = 1024 ** 3;
    const findings = await pvcFillingDetector.evaluatePeriodic!(
      context({
        kubelet_volume_stats_used_bytes: [
          { labels: labels('pgdata-postgres-0'), samples: [[1, 7.6 * gi]] },
          { labels: labels('scratch'), samples: [[1, 1 * gi]] },
        ],
        kubelet_volume_stats_capacity_bytes: [
          { labels: labels('pgdata-postgres-0'), samples: [[1, 8 * gi]] },
          { labels: labels('scratch'), samples: [[1, 8 * gi]] },
        ],
      }),
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      object: {
        kind: 'PersistentVolumeClaim',
        namespace: 'db',
        name: 'pgdata-postgres-0',
        uid: 'pvc-1',
      },
      reason: 'VolumeNearlyFull',
      message: 'Volume claim pgdata-postgres-0 is 95% full (7.6Gi of 8Gi)',
    });
  });

  it('is silent without metrics', async () => {
    expect(
      await pvcFillingDetector.evaluatePeriodic!({
        ...context({}),
        metrics: undefined,
      }),
    ).toEqual([]);
  });
});

describe('error-rate', () => {
  const pod = (name: string) => ({
    kind: 'Pod',
    metadata: { name, namespace: 'shop', uid: name },
    spec: { containers: [{ name: 'gateway' }, { name: 'proxy' }] },
  });
  const requests = (name: string, code: string, rate: number) => ({
    labels: { namespace: 'shop', pod: name, code },
    samples: [[1, rate]] as Array<[number, number]>,
  });

  it('asks for the logs of the pod with the most errors', async () => {
    const findings = await errorRateDetector.evaluatePeriodic!({
      ...context({}),
      settings: { ...errorRateDetector.defaults },
      get: (kind, _namespace, name) => (kind === 'Pod' ? pod(name) : undefined),
      ownerChain: () => [
        { kind: 'Deployment', namespace: 'shop', name: 'gateway' },
      ],
      metrics: {
        rate: async () => [
          requests('gateway-a', '200', 10),
          requests('gateway-a', '500', 2),
          requests('gateway-b', '200', 4),
          requests('gateway-b', '500', 8),
        ],
        quantile: async () => [],
        latest: async () => [],
      },
    });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      object: { kind: 'Deployment', name: 'gateway' },
      reason: 'HighErrorRate',
      logs: [
        {
          namespace: 'shop',
          pod: 'gateway-b',
          container: 'gateway',
          previous: false,
        },
      ],
    });
  });
});
