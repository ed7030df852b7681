import { Harness, podManifest } from './testHarness';

const limits = (memory: string, cpu?: string) => ({
  resources: { limits: { memory, ...(cpu ? { cpu } : {}) } },
});

describe('kubelet failures', () => {
  let h: Harness;
  afterEach(() => h?.stop());

  it('OOM-kills at the analytically computed time', async () => {
    h = new Harness({
      imagesYaml: '  app:1: {memory: 100Mi, memoryGrowth: 10Mi/min}\n',
    });
    h.create(
      podManifest('web', [{ name: 'app', image: 'app:1', ...limits('200Mi') }]),
    );
    await h.advance(0);
    const pending = h.clock.pendingTimers;
    expect(pending).toBeLessThan(5);
    await h.advance(599_000);
    expect(h.status('web').state.running).toBeDefined();
    expect(h.agents.podUsage('default', 'web')![0].memory).toBeCloseTo(
      100 * 2 ** 20 + 599_000 * ((10 * 2 ** 20) / 60_000),
      0,
    );
    await h.advance(2000);
    const s = h.status('web');
    expect(s.lastState.terminated).toMatchObject({
      exitCode: 137,
      reason: 'OOMKilled',
    });
    expect(s.lastState.terminated.finishedAt).toBe('2025-03-04T00:10:00Z');
    const oom = h.events_('OOMKilling')[0];
    expect(oom.involvedObject.kind).toBe('Node');
    expect(oom.message).toMatch(
      /^Memory cgroup out of memory: Killed process \d+ \(app\)/,
    );
    // growth cleared by the restart
    await h.advance(10_000);
    expect(h.status('web').restartCount).toBe(1);
    expect(h.agents.podUsage('default', 'web')![0].memory).toBeLessThan(
      101 * 2 ** 20,
    );
  });

  it('OOM-kills at start when memory exceeds the limit, reporting the limit', async () => {
    h = new Harness({ imagesYaml: '  app:1: {memory: 300Mi}\n' });
    await h.warmStart([
      podManifest('web', [{ name: 'app', image: 'app:1', ...limits('256Mi') }]),
    ]);
    const s = h.status('web');
    expect(s.state.waiting.reason).toBe('CrashLoopBackOff');
    expect(s.lastState.terminated.reason).toBe('OOMKilled');
    expect(h.agents.podUsage('default', 'web')![0].memory).toBe(256 * 2 ** 20);
  });

  it('reports image pull failures and retries on the back-off schedule', async () => {
    h = new Harness({ imagesYaml: '  ghcr.io/x/web:9: {pull: not-found}\n' });
    h.create(podManifest('web', [{ name: 'web', image: 'ghcr.io/x/web:9' }]));
    await h.advance(0);
    let s = h.status('web');
    expect(s.state.waiting.reason).toBe('ErrImagePull');
    const failed = h.events_('Failed').map(e => e.message);
    expect(failed).toContain(
      'Failed to pull image "ghcr.io/x/web:9": rpc error: code = NotFound desc = failed to pull and unpack image "ghcr.io/x/web:9": failed to resolve reference "ghcr.io/x/web:9": ghcr.io/x/web:9: not found',
    );
    expect(failed).toContain('Error: ErrImagePull');
    await h.advance(1000);
    s = h.status('web');
    expect(s.state.waiting).toEqual({
      reason: 'ImagePullBackOff',
      message: 'Back-off pulling image "ghcr.io/x/web:9"',
    });
    expect(h.events_('Failed').map(e => e.message)).toContain(
      'Error: ImagePullBackOff',
    );
    await h.advance(9000); // retry at 10s
    expect(h.events_('Pulling')[0].count).toBe(2);
    await h.advance(20_000); // retry at 30s
    expect(h.events_('Pulling')[0].count).toBe(3);
    expect(h.pod('web').status.phase).toBe('Pending');
  });

  it('reports unauthorized pulls with a 401', async () => {
    h = new Harness({ imagesYaml: '  private/app:1: {pull: unauthorized}\n' });
    h.create(podManifest('web', [{ name: 'web', image: 'private/app:1' }]));
    await h.advance(0);
    expect(h.status('web').state.waiting.message).toContain('401 Unauthorized');
  });

  it('wrong-arch images start then exit 1 with exec format error', async () => {
    h = new Harness({ imagesYaml: '  app:arm: {pull: wrong-arch}\n' });
    h.create(podManifest('web', [{ name: 'web', image: 'app:arm' }]));
    await h.advance(0);
    const s = h.status('web');
    expect(s.lastState.terminated.exitCode).toBe(1);
    const log = h.agents.logs.read('default', 'web', 'web', {
      previous: false,
      timestamps: false,
    });
    expect(log).toEqual([
      'exec /usr/local/bin/docker-entrypoint.sh: exec format error',
    ]);
  });

  it('CreateContainerConfigError for a missing Secret, recovering when it appears', async () => {
    h = new Harness();
    h.create(
      podManifest('pay', [
        {
          name: 'pay',
          image: 'pay:1',
          env: [
            {
              name: 'TOKEN',
              valueFrom: {
                secretKeyRef: {
                  name: 'card-processor-credentials',
                  key: 'api-token',
                },
              },
            },
          ],
        },
      ]),
    );
    await h.advance(0);
    expect(h.status('pay').state.waiting).toEqual({
      reason: 'CreateContainerConfigError',
      message: 'secret "card-processor-credentials" not found',
    });
    expect(h.events_('Failed')[0].message).toBe(
      'Error: secret "card-processor-credentials" not found',
    );
    h.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'card-processor-credentials', namespace: 'default' },
      stringData: { other: 'x' },
    });
    await h.advance(10_000);
    expect(h.status('pay').state.waiting.message).toBe(
      "couldn't find key api-token in Secret default/card-processor-credentials",
    );
    h.store.update({
      ...h.store.get('secrets', 'default', 'card-processor-credentials'),
      data: { 'api-token': Buffer.from('tok').toString('base64') },
      stringData: undefined,
    });
    await h.advance(10_000);
    expect(h.status('pay').state.running).toBeDefined();
    expect(h.agents.pods.get('default/pay')!.containers[0].env).toEqual({
      TOKEN: 'tok',
    });
  });

  it('optional references are skipped', async () => {
    h = new Harness();
    h.create(
      podManifest('pay', [
        {
          name: 'pay',
          image: 'pay:1',
          envFrom: [{ configMapRef: { name: 'nope', optional: true } }],
          env: [
            {
              name: 'A',
              valueFrom: {
                secretKeyRef: { name: 'x', key: 'y', optional: true },
              },
            },
          ],
        },
      ]),
    );
    await h.advance(0);
    expect(h.status('pay').state.running).toBeDefined();
  });

  it('FailedMount while ContainerCreating for a missing ConfigMap volume', async () => {
    h = new Harness();
    h.create(
      podManifest('web', [{ name: 'web', image: 'web:1' }], {
        spec: {
          volumes: [{ name: 'config', configMap: { name: 'web-config' } }],
        },
      }),
    );
    await h.advance(0);
    expect(h.status('web').state.waiting.reason).toBe('ContainerCreating');
    expect(h.events_('FailedMount')[0].message).toBe(
      'MountVolume.SetUp failed for volume "config" : configmap "web-config" not found',
    );
    h.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'web-config', namespace: 'default' },
      data: {},
    });
    await h.advance(5000);
    expect(h.status('web').state.running).toBeDefined();
  });

  it('does not start a pod whose PVC is unbound', async () => {
    h = new Harness();
    h.create({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: 'default' },
      spec: {},
    });
    h.create(
      podManifest('db', [{ name: 'db', image: 'db:1' }], {
        spec: {
          volumes: [
            { name: 'd', persistentVolumeClaim: { claimName: 'data' } },
          ],
        },
      }),
    );
    await h.advance(5000);
    expect(h.status('db').state.waiting.reason).toBe('ContainerCreating');
    const pvc = h.store.get('persistentvolumeclaims', 'default', 'data');
    h.store.updateStatus({ ...pvc, status: { phase: 'Bound' } });
    await h.advance(0);
    expect(h.status('db').state.running).toBeDefined();
  });

  it('runs init containers in order; a failing one gives Init:CrashLoopBackOff', async () => {
    h = new Harness({
      imagesYaml:
        '  migrate:1: {exit: {after: 5s, code: 0}}\n  bad:1: {exit: {after: 1s, code: 2}}\n',
    });
    h.create(
      podManifest('ok', [{ name: 'app', image: 'app:1' }], {
        spec: {
          initContainers: [
            { name: 'a', image: 'unlisted:1' },
            { name: 'm', image: 'migrate:1' },
          ],
        },
      }),
    );
    h.create(
      podManifest('bad', [{ name: 'app', image: 'app:1' }], {
        spec: { initContainers: [{ name: 'b', image: 'bad:1' }] },
      }),
    );
    await h.advance(1000);
    expect(h.status('ok', 'a').state.terminated.reason).toBe('Completed');
    expect(h.status('ok', 'm').state.running).toBeDefined();
    expect(h.status('ok', 'app').state.waiting.reason).toBe(
      'ContainerCreating',
    );
    expect(h.pod('ok').status.phase).toBe('Pending');
    await h.advance(4000);
    expect(h.status('ok', 'app').state.running).toBeDefined();
    expect(h.status('bad', 'b').state.waiting.reason).toBe('CrashLoopBackOff');
    expect(h.status('bad', 'b').lastState.terminated.exitCode).toBe(2);
  });

  it('Job pods with restartPolicy Never end Succeeded or Failed', async () => {
    h = new Harness({
      imagesYaml:
        '  job:ok: {exit: {after: 3s, code: 0}}\n  job:bad: {exit: {after: 3s, code: 1}}\n',
    });
    h.create(
      podManifest('j1', [{ name: 'j', image: 'job:ok' }], {
        spec: { restartPolicy: 'Never' },
      }),
    );
    h.create(
      podManifest('j2', [{ name: 'j', image: 'job:bad' }], {
        spec: { restartPolicy: 'Never' },
      }),
    );
    await h.advance(4000);
    expect(h.pod('j1').status.phase).toBe('Succeeded');
    expect(h.pod('j2').status.phase).toBe('Failed');
    expect(h.status('j2').state.terminated.exitCode).toBe(1);
  });
});
