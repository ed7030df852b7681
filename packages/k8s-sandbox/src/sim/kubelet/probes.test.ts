import { Harness, podManifest } from './testHarness';

const http = (path: string, port: string | number, extra = {}) => ({
  httpGet: { path, port },
  periodSeconds: 5,
  ...extra,
});

const container = (extra = {}) => ({
  name: 'app',
  image: 'app:1',
  ports: [{ name: 'http', containerPort: 8080 }],
  ...extra,
});

describe('kubelet probes', () => {
  let h: Harness;
  afterEach(() => h?.stop());

  it('readiness: fail keeps the pod not Ready with 503 events', async () => {
    h = new Harness({ imagesYaml: '  app:1: {readiness: fail}\n' });
    await h.warmStart([
      podManifest('web', [
        container({ readinessProbe: http('/ready', 'http') }),
      ]),
    ]);
    expect(h.ready('web')).toBe(false);
    await h.advance(20_000);
    const e = h.events_('Unhealthy')[0];
    expect(e.message).toBe(
      'Readiness probe failed: HTTP probe failed with statuscode: 503',
    );
    expect(e.count).toBeGreaterThanOrEqual(4);
    const conditions = h.pod('web').status.conditions.map((c: any) => c.type);
    expect(conditions).toEqual(
      expect.arrayContaining([
        'PodScheduled',
        'Initialized',
        'ContainersReady',
        'Ready',
      ]),
    );
  });

  it('a liveness failure kills the container', async () => {
    h = new Harness({ imagesYaml: '  app:1: {liveness: fail}\n' });
    await h.warmStart([
      podManifest('web', [
        container({
          livenessProbe: http('/live', 8080, { periodSeconds: 10 }),
        }),
      ]),
    ]);
    await h.advance(19_000);
    expect(h.status('web').state.running).toBeDefined();
    await h.advance(1000); // third failure at 20s
    const s = h.status('web');
    expect(s.lastState.terminated).toMatchObject({
      exitCode: 137,
      reason: 'Error',
    });
    expect(h.events_('Killing')[0].message).toBe(
      'Container app failed liveness probe, will be restarted',
    );
  });

  it('fails probes on a wrong port or path', async () => {
    h = new Harness({ imagesYaml: '  app:1: {paths: [/healthz]}\n' });
    await h.warmStart([
      podManifest('port', [
        container({ readinessProbe: http('/healthz', 9090) }),
      ]),
      podManifest('path', [
        container({ readinessProbe: http('/ready', 'http') }),
      ]),
      podManifest('tcp', [
        container({ readinessProbe: { tcpSocket: { port: 6379 } } }),
      ]),
      podManifest('good', [
        container({ readinessProbe: http('/healthz', 'http') }),
      ]),
    ]);
    expect(h.ready('port')).toBe(false);
    expect(h.ready('path')).toBe(false);
    expect(h.ready('tcp')).toBe(false);
    expect(h.ready('good')).toBe(true);
    await h.advance(10_000);
    const messages = h.events_('Unhealthy').map(e => e.message);
    const ip = h.pod('port').status.podIP;
    expect(messages).toContain(
      `Readiness probe failed: Get "http://${ip}:9090/healthz": dial tcp ${ip}:9090: connect: connection refused`,
    );
    expect(messages).toContain(
      'Readiness probe failed: HTTP probe failed with statuscode: 404',
    );
    const tcpIp = h.pod('tcp').status.podIP;
    expect(messages).toContain(
      `Readiness probe failed: dial tcp ${tcpIp}:6379: connect: connection refused`,
    );
  });

  it('times out when throttled latency exceeds timeoutSeconds', async () => {
    h = new Harness({
      imagesYaml:
        '  app:1: {cpu: 100m, cpuPerRequest: 10m, traffic: 100, latency: {p50: 300ms, p99: 900ms}}\n',
    });
    const c = container({
      resources: { limits: { cpu: '500m' } },
      livenessProbe: http('/live', 'http', {
        periodSeconds: 10,
        timeoutSeconds: 1,
      }),
    });
    await h.warmStart([podManifest('web', [c])]);
    // demand 0.1 + 0.01 × 100 = 1.1 cores on a 0.5 limit: factor 2.2, p50 660ms
    const usage = h.agents.podUsage('default', 'web')!;
    expect(usage[0].cpu).toBeCloseTo(0.5);
    expect(h.events_('Unhealthy')).toHaveLength(0);
    h.overrides.setTraffic('Pod/default/web', 2); // demand 2.1: factor 4.2, p50 1260ms
    await h.advance(30_000);
    expect(h.events_('Unhealthy')[0].message).toBe(
      `Liveness probe failed: Get "http://${
        h.pod('web').status.podIP
      }:8080/live": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
    );
    expect(h.status('web').lastState.terminated?.reason).toBe('Error');
  });

  it('startup probes gate liveness and set started', async () => {
    h = new Harness({ imagesYaml: '  app:1: {startup: 25s}\n' });
    h.create(
      podManifest('web', [
        container({
          startupProbe: http('/live', 'http', {
            periodSeconds: 10,
            failureThreshold: 30,
          }),
          livenessProbe: http('/live', 'http', {
            periodSeconds: 5,
            failureThreshold: 1,
          }),
        }),
      ]),
    );
    await h.advance(20_000);
    expect(h.status('web').started).toBe(false);
    expect(h.status('web').restartCount).toBe(0);
    await h.advance(10_000);
    expect(h.status('web').started).toBe(true);
    expect(h.ready('web')).toBe(true);
  });
});
