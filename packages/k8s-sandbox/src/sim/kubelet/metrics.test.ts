import { Harness, podManifest } from './testHarness';
import { histogramQuantile, latencyShape } from './requests';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestamp: number;
}

/** A strict parser of the text format 0.0.4 (HELP/TYPE, labels, timestamps). */
function parse(text: string): {
  samples: Sample[];
  types: Map<string, string>;
} {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      types.set(name, type);
      continue;
    }
    if (line.startsWith('# HELP ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+) (\d+)$/.exec(line);
    if (!m) throw new Error(`bad line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? '').matchAll(
      /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g,
    )) {
      labels[l[1]] = l[2];
    }
    const family = [...types.keys()].find(
      t => m[1] === t || m[1].startsWith(`${t}_`),
    );
    if (!family) throw new Error(`sample without TYPE: ${line}`);
    samples.push({
      name: m[1],
      labels,
      value: Number(m[4]),
      timestamp: Number(m[5]),
    });
  }
  return { samples, types };
}

const find = (
  samples: Sample[],
  name: string,
  labels: Record<string, string> = {},
) =>
  samples.filter(
    s =>
      s.name === name &&
      Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );

describe('metrics', () => {
  let h: Harness;
  afterEach(() => h?.stop());

  // Exact unless p50 and p99 share a bucket too narrowly for one linear piece.
  it('shapes the histogram so p50 and p99 match', () => {
    for (const [p50, p99] of [
      [20, 100],
      [12, 90],
      [300, 900],
      [3, 20],
      [1500, 6000],
      [26, 500],
      [3, 4000],
    ]) {
      const shape = latencyShape(p50, p99);
      expect(histogramQuantile(0.5, shape.cumulative) * 1000).toBeCloseTo(
        p50,
        6,
      );
      expect(histogramQuantile(0.99, shape.cumulative) * 1000).toBeCloseTo(
        p99,
        6,
      );
    }
  });

  it('exposes parseable series stamped with the virtual time; counters integrate exactly', async () => {
    h = new Harness({
      imagesYaml:
        '  app:1: {cpu: 100m, cpuPerRequest: 10m, traffic: 50, errorRate: 0.1, memory: 64Mi}\n',
    });
    await h.warmStart([
      podManifest(
        'web',
        [
          {
            name: 'app',
            image: 'app:1',
            resources: {
              limits: { cpu: '500m', memory: '256Mi' },
              requests: { cpu: '100m' },
            },
          },
        ],
        {
          labels: { 'backstage.io/kubernetes-id': 'web' },
        },
      ),
    ]);
    await h.advance(60_000);
    const { samples } = parse(h.agents.exposition());
    expect(samples.every(s => s.timestamp === h.clock.now())).toBe(true);
    const labels = { pod: 'web', container: 'app' };
    // demand 0.1 + 0.01 × 50 = 0.6 > 0.5 limit: reports the limit, throttled
    expect(
      find(samples, 'container_cpu_usage_seconds_total', labels)[0].value,
    ).toBeCloseTo(30, 9);
    expect(
      find(samples, 'container_cpu_cfs_periods_total', labels)[0].value,
    ).toBeCloseTo(600, 9);
    expect(
      find(samples, 'container_cpu_cfs_throttled_periods_total', labels)[0]
        .value,
    ).toBeCloseTo(120, 9);
    expect(find(samples, 'container_spec_cpu_quota', labels)[0].value).toBe(
      50000,
    );
    expect(
      find(samples, 'http_requests_total', { pod: 'web', code: '200' })[0]
        .value,
    ).toBeCloseTo(2700, 6);
    expect(
      find(samples, 'http_requests_total', { pod: 'web', code: '500' })[0]
        .value,
    ).toBeCloseTo(300, 6);
    expect(
      find(samples, 'http_request_duration_seconds_count', { pod: 'web' })[0]
        .value,
    ).toBeCloseTo(3000, 6);
    expect(
      find(samples, 'kube_pod_labels', { pod: 'web' })[0].labels
        .label_backstage_io_kubernetes_id,
    ).toBe('web');
    expect(
      find(samples, 'kube_pod_status_phase', {
        pod: 'web',
        phase: 'Running',
      })[0].value,
    ).toBe(1);
    expect(
      find(samples, 'kube_pod_container_resource_limits', {
        pod: 'web',
        resource: 'cpu',
      })[0].value,
    ).toBe(0.5);
    expect(
      find(samples, 'kube_node_status_condition', {
        node: 'node-1',
        condition: 'Ready',
        status: 'true',
      })[0].value,
    ).toBe(1);
    const metrics = h.agents.metricsApi.podMetrics('default');
    expect(metrics[0]).toMatchObject({
      window: '30s',
      containers: [
        { name: 'app', usage: { cpu: '500000000n', memory: '65536Ki' } },
      ],
    });
  });

  it('shares node CPU by demand when the node is oversubscribed', async () => {
    h = new Harness({
      nodes: [{ name: 'node-1', cpu: '1' }],
      imagesYaml: '  hog:1: {cpu: 1500m}\n  app:1: {cpu: 500m}\n',
    });
    await h.warmStart([
      podManifest('hog', [{ name: 'c', image: 'hog:1' }]),
      podManifest('app', [{ name: 'c', image: 'app:1' }]),
    ]);
    expect(h.agents.podUsage('default', 'hog')![0].cpu).toBeCloseTo(0.75);
    expect(h.agents.podUsage('default', 'app')![0].cpu).toBeCloseTo(0.25);
    await h.advance(10_000);
    const { samples } = parse(h.agents.exposition());
    expect(
      find(samples, 'container_cpu_cfs_throttled_periods_total', {
        pod: 'app',
      })[0].value,
    ).toBeGreaterThan(0);
  });

  it('restarts and waiting reasons reach kube-state-metrics', async () => {
    h = new Harness({ imagesYaml: '  app:1: {exit: {after: 1s, code: 1}}\n' });
    h.create(podManifest('web', [{ name: 'app', image: 'app:1' }]));
    await h.advance(12_000);
    const { samples } = parse(h.agents.exposition());
    expect(
      find(samples, 'kube_pod_container_status_restarts_total', {
        pod: 'web',
      })[0].value,
    ).toBe(1);
    expect(
      find(samples, 'kube_pod_container_status_last_terminated_reason', {
        pod: 'web',
      })[0].labels.reason,
    ).toBe('Error');
    await h.advance(1000);
    const again = parse(h.agents.exposition()).samples;
    expect(
      find(again, 'kube_pod_container_status_waiting_reason', { pod: 'web' })[0]
        .labels.reason,
    ).toBe('CrashLoopBackOff');
  });
});
