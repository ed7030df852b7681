import { Harness, podManifest } from './testHarness';

const probes = {
  ports: [{ name: 'http', containerPort: 8080 }],
  readinessProbe: {
    httpGet: { path: '/ready', port: 'http' },
    initialDelaySeconds: 1,
    periodSeconds: 5,
  },
};

describe('kubelet lifecycle', () => {
  let h: Harness;
  afterEach(() => h?.stop());

  it('starts warm at t=0: Ready, restartCount 0', async () => {
    h = new Harness({ imagesYaml: '  app:1: {startup: 30s, memory: 100Mi}\n' });
    await h.warmStart([
      podManifest('web', [{ name: 'app', image: 'app:1', ...probes }]),
    ]);
    expect(h.t).toBe(0);
    expect(h.ready('web')).toBe(true);
    const s = h.status('web');
    expect(s.restartCount).toBe(0);
    expect(s.state.running).toBeDefined();
    expect(h.pod('web').status.phase).toBe('Running');
    expect(h.events_('Pulling')).toHaveLength(0);
  });

  it('starts cold: Pulling/Pulled events, Ready after startup', async () => {
    h = new Harness({ imagesYaml: '  app:1: {startup: 7s}\n' });
    h.create(podManifest('web', [{ name: 'app', image: 'app:1', ...probes }]));
    await h.advance(0);
    expect(h.events_('Pulling')).toHaveLength(1);
    expect(h.events_('Started')).toHaveLength(1);
    expect(h.ready('web')).toBe(false);
    await h.advance(6000);
    expect(h.ready('web')).toBe(false);
    expect(h.events_('Unhealthy')[0].message).toContain(
      'Readiness probe failed: Get "http://10.1.0.2:8080/ready": dial tcp 10.1.0.2:8080: connect: connection refused',
    );
    await h.advance(5000); // tick at 11s
    expect(h.ready('web')).toBe(true);
  });

  it('crash-loops on the back-off schedule, capped at 5m', async () => {
    h = new Harness({
      imagesYaml:
        '  app:1: {exit: {after: 1s, code: 1, log: boom}, logs: [hello]}\n',
    });
    h.create(podManifest('web', [{ name: 'app', image: 'app:1' }]));
    await h.advance(0);
    const starts: number[] = [];
    let last = -1;
    for (let i = 0; i < 40 * 60; i++) {
      const s = h.status('web');
      if (s.state.running && s.restartCount !== last) {
        starts.push(h.t);
        last = s.restartCount;
      }
      await h.advance(1000);
    }
    const gaps = starts.slice(1).map((t, i) => t - starts[i] - 1000);
    expect(gaps.slice(0, 7)).toEqual([
      10000, 20000, 40000, 80000, 160000, 300000, 300000,
    ]);
    const s = h.status('web');
    expect(s.lastState.terminated).toMatchObject({
      exitCode: 1,
      reason: 'Error',
    });
    const waiting = h.pod('web').status.containerStatuses[0];
    void waiting;
  });

  it('shows CrashLoopBackOff with the real message and event', async () => {
    h = new Harness({ imagesYaml: '  app:1: {exit: {after: 1s, code: 1}}\n' });
    h.create(podManifest('web', [{ name: 'app', image: 'app:1' }]));
    await h.advance(1000);
    const s = h.status('web');
    expect(s.state.waiting.reason).toBe('CrashLoopBackOff');
    expect(s.state.waiting.message).toBe(
      `back-off 10s restarting failed container=app pod=web_default(${
        h.pod('web').metadata.uid
      })`,
    );
    expect(s.restartCount).toBe(0);
    expect(h.events_('BackOff')[0].message).toContain(
      'Back-off restarting failed container app in pod web_default',
    );
    await h.advance(10000);
    expect(h.status('web').restartCount).toBe(1);
    expect(h.status('web').state.running).toBeDefined();
  });

  it('resets the back-off after 10 minutes running', async () => {
    h = new Harness({ imagesYaml: '  app:1: {exit: {after: 11m, code: 1}}\n' });
    h.create(podManifest('web', [{ name: 'app', image: 'app:1' }]));
    await h.advance(11 * 60_000);
    expect(h.status('web').state.waiting.message).toContain('back-off 10s');
    await h.advance(10_000 + 11 * 60_000);
    expect(h.status('web').restartCount).toBe(1);
    expect(h.status('web').state.waiting.message).toContain('back-off 10s');
  });
});
