import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  Log,
  PatchStrategy,
  V1Pod,
  Watch,
  makeInformer,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { PassThrough } from 'node:stream';
import { buildKubeconfig } from './kubeconfig';
import {
  ADMIN_TOKEN,
  deploymentManifest,
  readyPod,
  startServer,
  until,
} from './testUtils';

type Started = Awaited<ReturnType<typeof startServer>>;

function kubeConfig(url: string, token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(buildKubeconfig({ url, token }));
  return kc;
}

async function statusOf(
  p: Promise<unknown>,
): Promise<{ code: number; body: any }> {
  try {
    await p;
  } catch (err: any) {
    const body = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
    return { code: err.code, body };
  }
  throw new Error('expected the request to fail');
}

describe('API server with @kubernetes/client-node', () => {
  let s: Started;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let kc: KubeConfig;

  beforeEach(async () => {
    s = await startServer({
      metrics: {
        podMetrics: () => [
          {
            metadata: { name: 'web-1', namespace: 'shop' },
            timestamp: '2025-03-04T00:00:00Z',
            window: '30s',
            containers: [
              { name: 'app', usage: { cpu: '50m', memory: '64Mi' } },
            ],
          },
        ],
        nodeMetrics: () => [],
      },
      exposition: () => 'kube_pod_info{pod="web-1"} 1 1741046400000\n',
    });
    kc = kubeConfig(s.url, ADMIN_TOKEN);
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
    await core.createNamespace({ body: { metadata: { name: 'shop' } } });
  });

  afterEach(async () => {
    await s.api.close();
  });

  it('creates, reads, lists, patches and deletes', async () => {
    const created = await core.createNamespacedPod({
      namespace: 'shop',
      body: readyPod('web-1', 'shop', { app: 'web' }) as V1Pod,
    });
    expect(created.metadata?.uid).toBeDefined();
    expect(created.metadata?.creationTimestamp?.toISOString()).toBe(
      '2025-03-04T00:00:00.000Z',
    );
    const list = await core.listNamespacedPod({
      namespace: 'shop',
      labelSelector: 'app=web',
    });
    expect(list.items.map(p => p.metadata?.name)).toEqual(['web-1']);
    expect(list.metadata?.resourceVersion).toBe(s.store.resourceVersion);
    const all = await core.listPodForAllNamespaces();
    expect(all.items).toHaveLength(1);

    const patched = await core.patchNamespacedPod(
      {
        name: 'web-1',
        namespace: 'shop',
        body: { metadata: { labels: { tier: 'front' } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(patched.metadata?.labels).toEqual({ app: 'web', tier: 'front' });

    const missing = await statusOf(
      core.readNamespacedPod({ name: 'nope', namespace: 'shop' }),
    );
    expect(missing.code).toBe(404);
    expect(missing.body).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      message: 'pods "nope" not found',
    });

    const dry = await core.createNamespacedPod({
      namespace: 'shop',
      body: readyPod('dry', 'shop', {}) as V1Pod,
      dryRun: 'All',
    });
    expect(dry.metadata?.name).toBe('dry');
    expect(s.store.tryGet('pods', 'shop', 'dry')).toBeUndefined();

    await core.deleteNamespacedPod({ name: 'web-1', namespace: 'shop' });
    expect(s.store.tryGet('pods', 'shop', 'web-1')).toBeUndefined();
  });

  it('serves deployments, the scale subresource and conflicts', async () => {
    await apps.createNamespacedDeployment({
      namespace: 'shop',
      body: deploymentManifest('web', 'shop') as any,
    });
    const scaled = await apps.patchNamespacedDeploymentScale(
      { name: 'web', namespace: 'shop', body: { spec: { replicas: 5 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(scaled.spec?.replicas).toBe(5);
    const scale = await apps.readNamespacedDeploymentScale({
      name: 'web',
      namespace: 'shop',
    });
    expect(scale.status?.selector).toBe('app=web');
    const d = await apps.readNamespacedDeployment({
      name: 'web',
      namespace: 'shop',
    });
    expect(d.spec?.replicas).toBe(5);
    expect(d.metadata?.generation).toBe(2);

    const stale = { ...d, metadata: { ...d.metadata, resourceVersion: '1' } };
    const conflict = await statusOf(
      apps.replaceNamespacedDeployment({
        name: 'web',
        namespace: 'shop',
        body: stale,
      }),
    );
    expect(conflict.code).toBe(409);
    expect(conflict.body.reason).toBe('Conflict');

    const status = await apps.replaceNamespacedDeploymentStatus({
      name: 'web',
      namespace: 'shop',
      body: { ...d, status: { replicas: 5, readyReplicas: 5 } },
    });
    expect(status.status?.readyReplicas).toBe(5);

    const smp = await apps.patchNamespacedDeployment(
      {
        name: 'web',
        namespace: 'shop',
        body: {
          spec: {
            template: {
              metadata: {
                annotations: { 'kubectl.kubernetes.io/restartedAt': 'now' },
              },
              spec: { containers: [{ name: 'app', image: 'web:2' }] },
            },
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(smp.spec?.template.spec?.containers[0].image).toBe('web:2');
    expect(smp.spec?.template.metadata?.annotations).toEqual({
      'kubectl.kubernetes.io/restartedAt': 'now',
    });
  });

  it('streams watch events with Watch', async () => {
    const events: string[] = [];
    const watch = new Watch(kc);
    const list = await core.listNamespacedPod({ namespace: 'shop' });
    const req = await watch.watch(
      '/api/v1/namespaces/shop/pods',
      {
        resourceVersion: list.metadata?.resourceVersion,
        allowWatchBookmarks: true,
      },
      (type, obj) => events.push(`${type}:${obj.metadata?.name ?? ''}`),
      () => {},
    );
    s.store.create(readyPod('a', 'shop', {}));
    s.store.patch('pods', 'shop', 'a', { metadata: { labels: { x: '1' } } });
    s.store.delete('pods', 'shop', 'a');
    await until(() => events.length >= 3, 5000, 'watch events');
    expect(events).toEqual(['ADDED:a', 'MODIFIED:a', 'DELETED:a']);
    req.abort();
  });

  it('sends a 410 ERROR event on expired versions', async () => {
    s.store.create(readyPod('a', 'shop', {}));
    s.store.compact();
    const events: any[] = [];
    let done: unknown = 'pending';
    await new Watch(kc).watch(
      '/api/v1/namespaces/shop/pods',
      { resourceVersion: '1' },
      (type, obj) => events.push({ type, obj }),
      err => (done = err),
    );
    await until(() => done !== 'pending', 5000, 'watch end');
    expect(events[0].type).toBe('ERROR');
    expect(events[0].obj).toMatchObject({ code: 410, reason: 'Expired' });
  });

  it('keeps an informer in sync across a forced 410 relist', async () => {
    const informer = makeInformer(kc, '/api/v1/namespaces/shop/pods', () =>
      core.listNamespacedPod({ namespace: 'shop' }),
    );
    const added: string[] = [];
    const deleted: string[] = [];
    let errors = 0;
    informer.on('add', p => added.push(p.metadata!.name!));
    informer.on('delete', p => deleted.push(p.metadata!.name!));
    informer.on('error', () => errors++);
    s.store.create(readyPod('a', 'shop', {}));
    await informer.start();
    s.store.create(readyPod('b', 'shop', {}));
    await until(() => added.length === 2, 5000, 'informer adds');

    // Cut the watch, then (before the client can resume) change the
    // cluster and forget the history: the resume gets 410 Expired and the
    // informer must relist.
    const stale = (
      informer as unknown as { latestResourceVersion(): string }
    ).latestResourceVersion();
    s.api.closeWatches();
    s.store.delete('pods', 'shop', 'a');
    s.store.create(readyPod('c', 'shop', {}));
    s.store.compact();
    expect(Number(stale)).toBeLessThan(Number(s.store.oldestResourceVersion));
    await until(
      () => added.includes('c') && deleted.includes('a'),
      8000,
      'relist',
    );
    expect(
      informer
        .list('shop')
        .map(p => p.metadata?.name)
        .sort(),
    ).toEqual(['b', 'c']);
    expect(errors).toBe(0);
    await informer.stop();
  });

  it('serves pod logs with Log', async () => {
    s.store.create(readyPod('web-1', 'shop', {}));
    s.logs.set('shop', 'web-1', 'app', ['one', 'two', 'three']);
    const out = new PassThrough();
    let text = '';
    out.on('data', c => (text += c.toString()));
    await new Log(kc).log('shop', 'web-1', 'app', out, { tailLines: 2 });
    await until(() => text === 'two\nthree\n', 5000, 'log text');

    const follow = new PassThrough();
    let followed = '';
    follow.on('data', c => (followed += c.toString()));
    let ended = false;
    follow.on('end', () => (ended = true));
    await new Log(kc).log('shop', 'web-1', 'app', follow, {
      follow: true,
      tailLines: 1,
    });
    await until(() => followed === 'three\n', 5000, 'follow start');
    s.logs.push('shop', 'web-1', 'app', 'four');
    await until(() => followed === 'three\nfour\n', 5000, 'follow line');
    s.logs.end('shop', 'web-1', 'app');
    await until(() => ended, 5000, 'follow end');

    const bad = await statusOf(
      core.readNamespacedPodLog({
        name: 'web-1',
        namespace: 'shop',
        container: 'x',
      }),
    );
    expect(bad.code).toBe(400);
  });

  it('serves metrics.k8s.io, /metrics and discovery', async () => {
    const headers = { Authorization: `Bearer ${ADMIN_TOKEN}` };
    const pm = await fetch(
      `${s.url}/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods/web-1`,
      { headers },
    );
    expect(await pm.json()).toMatchObject({
      kind: 'PodMetrics',
      containers: [{ name: 'app', usage: { cpu: '50m' } }],
    });
    const prom = await fetch(`${s.url}/metrics`);
    expect(prom.headers.get('content-type')).toContain('version=0.0.4');
    expect(await prom.text()).toContain('kube_pod_info');
    const groups = await (await fetch(`${s.url}/apis`, { headers })).json();
    expect(groups.groups.map((g: any) => g.name)).toEqual(
      expect.arrayContaining(['apps', 'metrics.k8s.io', 'events.k8s.io']),
    );
    expect((await fetch(`${s.url}/api`)).status).toBe(401);
  });

  it('evicts pods unless a PodDisruptionBudget forbids it', async () => {
    s.store.create(readyPod('web-1', 'shop', { app: 'web' }));
    s.store.create(readyPod('web-2', 'shop', { app: 'web' }));
    s.store.create({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } },
    });
    const evict = (name: string) =>
      core.createNamespacedPodEviction({
        name,
        namespace: 'shop',
        body: { metadata: { name, namespace: 'shop' } },
      });
    await evict('web-1');
    expect(s.store.tryGet('pods', 'shop', 'web-1')).toBeUndefined();
    const refused = await statusOf(evict('web-2'));
    expect(refused.code).toBe(429);
    expect(refused.body.details.causes[0].reason).toBe('DisruptionBudget');
  });

  it('answers Table requests the way kubectl asks', async () => {
    s.store.create(readyPod('web-1', 'shop', { app: 'web' }));
    const res = await fetch(`${s.url}/api/v1/namespaces/shop/pods`, {
      headers: {
        Authorization: `Bearer ${ADMIN_TOKEN}`,
        Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
      },
    });
    const table = await res.json();
    expect(table.kind).toBe('Table');
    expect(table.columnDefinitions.map((c: any) => c.name).slice(0, 5)).toEqual(
      ['Name', 'Ready', 'Status', 'Restarts', 'Age'],
    );
    expect(table.rows[0].cells.slice(0, 5)).toEqual([
      'web-1',
      '1/1',
      'Running',
      0,
      '0s',
    ]);
  });

  it('enforces RBAC for service-account tokens', async () => {
    await s.api.close();
    s = await startServer({ rbac: true });
    const admin = kubeConfig(s.url, ADMIN_TOKEN).makeApiClient(CoreV1Api);
    await admin.createNamespace({ body: { metadata: { name: 'shop' } } });
    s.store.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'pod-reader', namespace: 'shop' },
      rules: [
        {
          apiGroups: [''],
          resources: ['pods', 'pods/log'],
          verbs: ['get', 'list', 'watch'],
        },
      ],
    });
    s.store.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'bot-reads', namespace: 'shop' },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: 'pod-reader',
      },
      subjects: [{ kind: 'ServiceAccount', name: 'bot', namespace: 'shop' }],
    });
    const token = s.api.issueServiceAccountToken('shop', 'bot');
    const bot = kubeConfig(s.url, token).makeApiClient(CoreV1Api);
    const pods = await bot.listNamespacedPod({ namespace: 'shop' });
    expect(pods.items).toEqual([]);
    const denied = await statusOf(
      bot.deleteNamespacedPod({ name: 'x', namespace: 'shop' }),
    );
    expect(denied.code).toBe(403);
    expect(denied.body.message).toBe(
      'pods "x" is forbidden: User "system:serviceaccount:shop:bot" cannot delete resource "pods" in API group "" in the namespace "shop"',
    );
    const other = await statusOf(
      bot.listNamespacedPod({ namespace: 'default' }),
    );
    expect(other.code).toBe(403);
    const anon = kubeConfig(s.url, 'wrong').makeApiClient(CoreV1Api);
    expect(
      (await statusOf(anon.listNamespacedPod({ namespace: 'shop' }))).code,
    ).toBe(401);
  });
});
