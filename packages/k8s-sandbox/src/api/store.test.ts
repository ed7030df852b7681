import { ApiError } from './errors';
import { ObjectStore } from './store';
import { KubeObject, WatchEvent } from './types';

const START = Date.parse('2025-03-04T00:00:00Z');

function setup(
  options: Partial<ConstructorParameters<typeof ObjectStore>[0]> = {},
) {
  const clock = {
    t: START,
    now() {
      return this.t;
    },
  };
  let uid = 0;
  const store = new ObjectStore({
    clock,
    uid: () => `uid-${++uid}`,
    ...options,
  });
  return { store, clock };
}

const pod = (
  name: string,
  extra: Record<string, unknown> = {},
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'shop', labels: { app: 'web' } },
  spec: { containers: [{ name: 'app', image: 'web:1' }] },
  ...extra,
});

const deployment = (name: string, replicas = 2): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'shop' },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'app', image: `${name}:1` }] },
    },
  },
});

function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an ApiError');
}

describe('ObjectStore', () => {
  it('assigns metadata from the clock and one global resourceVersion', () => {
    const { store, clock } = setup();
    const a = store.create(pod('a'));
    clock.t += 5000;
    const d = store.create(deployment('web'));
    expect(a.metadata).toMatchObject({
      uid: 'uid-1',
      resourceVersion: '1',
      creationTimestamp: '2025-03-04T00:00:00Z',
      generation: 1,
    });
    expect(d.metadata?.resourceVersion).toBe('2');
    expect(d.metadata?.creationTimestamp).toBe('2025-03-04T00:00:05Z');
    expect(store.resourceVersion).toBe('2');
    expect(Object.isFrozen(a) && Object.isFrozen(a.metadata)).toBe(true);
    expect(store.get('Pod', 'shop', 'a')).toBe(a);
    expect(store.get('apps/deployments', 'shop', 'web')).toBe(d);
  });

  it('rejects duplicates, missing names and unknown objects', () => {
    const { store } = setup();
    store.create(pod('a'));
    expect(apiError(() => store.create(pod('a'))).status).toMatchObject({
      code: 409,
      reason: 'AlreadyExists',
      message: 'pods "a" already exists',
    });
    const noName = apiError(() =>
      store.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }),
    );
    expect(noName.status.code).toBe(422);
    expect(noName.status.details?.causes?.[0]).toMatchObject({
      field: 'metadata.name',
      reason: 'FieldValueRequired',
    });
    expect(
      apiError(() => store.get('pods', 'shop', 'zz')).status,
    ).toMatchObject({
      code: 404,
      reason: 'NotFound',
      message: 'pods "zz" not found',
      details: { name: 'zz', kind: 'pods', group: '' },
    });
  });

  it('generates names from generateName', () => {
    const { store } = setup({ random: () => 0 });
    const p = store.create({
      ...pod(''),
      metadata: { generateName: 'web-', namespace: 'shop' },
    });
    expect(p.metadata?.name).toBe('web-bbbbb');
  });

  it('detects stale updates (409) and skips no-op writes', () => {
    const { store } = setup();
    const d = store.create(deployment('web'));
    const next = { ...d, spec: { ...(d.spec as object), replicas: 3 } };
    const updated = store.update(next);
    expect(updated.metadata?.generation).toBe(2);
    expect(updated.metadata?.resourceVersion).toBe('2');
    const stale = apiError(() => store.update(next));
    expect(stale.status).toMatchObject({ code: 409, reason: 'Conflict' });
    expect(stale.status.message).toContain(
      'Operation cannot be fulfilled on deployments.apps "web"',
    );
    expect(store.update(updated)).toBe(updated);
    expect(store.resourceVersion).toBe('2');
  });

  it('keeps status out of main updates and spec out of status updates', () => {
    const { store } = setup();
    const d = store.create(deployment('web'));
    const s = store.updateStatus({
      ...d,
      spec: { replicas: 99 },
      status: { replicas: 2 },
    });
    expect(s.status).toEqual({ replicas: 2 });
    expect((s.spec as any).replicas).toBe(2);
    expect(s.metadata?.generation).toBe(1);
    const u = store.update({ ...s, status: { replicas: 7 } });
    expect(u).toBe(s);
  });

  it('matches label and field selectors', () => {
    const { store } = setup();
    const mk = (name: string, labels: Record<string, string>, node?: string) =>
      store.create({
        ...pod(name),
        metadata: { name, namespace: 'shop', labels },
        spec: { nodeName: node, containers: [] },
        status: { phase: node ? 'Running' : 'Pending' },
      });
    mk('a', { app: 'web', tier: 'front' }, 'node-1');
    mk('b', { app: 'web', tier: 'back' }, 'node-2');
    mk('c', { app: 'db' });
    const names = (labelSelector?: string, fieldSelector?: string) =>
      store
        .list('pods', { labelSelector, fieldSelector })
        .items.map(p => p.metadata?.name);
    expect(names('app=web')).toEqual(['a', 'b']);
    expect(names('app==web,tier!=back')).toEqual(['a']);
    expect(names('tier in (back, front)')).toEqual(['a', 'b']);
    expect(names('app notin (web)')).toEqual(['c']);
    expect(names('tier')).toEqual(['a', 'b']);
    expect(names('!tier')).toEqual(['c']);
    expect(names(undefined, 'spec.nodeName=node-2')).toEqual(['b']);
    expect(names(undefined, 'status.phase!=Running')).toEqual(['c']);
    expect(names(undefined, 'metadata.name=a,metadata.namespace=shop')).toEqual(
      ['a'],
    );
    expect(names('app=web', 'spec.nodeName!=node-1')).toEqual(['b']);
    expect(apiError(() => names('a b c')).status.code).toBe(400);
  });

  it('paginates with limit and opaque continue tokens', () => {
    const { store } = setup();
    for (let i = 0; i < 7; i++) store.create(pod(`p${i}`));
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = store.list('pods', {
        namespace: 'shop',
        limit: 3,
        continue: token,
      });
      seen.push(...page.items.map(p => p.metadata!.name!));
      expect(page.resourceVersion).toBe('7');
      token = page.continue;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
    expect(
      apiError(() => store.list('pods', { continue: 'junk' })).status.code,
    ).toBe(400);
  });

  it('replays history and answers 410 Expired past the window', () => {
    const { store } = setup({ historyLimit: 5 });
    for (let i = 0; i < 10; i++) store.create(pod(`p${i}`));
    const err = apiError(() =>
      store.watch('pods', { fromResourceVersion: '2' }, () => {}),
    );
    expect(err.status).toMatchObject({ code: 410, reason: 'Expired' });
    const events: WatchEvent[] = [];
    const stop = store.watch('pods', { fromResourceVersion: '7' }, e =>
      events.push(e),
    );
    expect(events.map(e => e.object.metadata?.name)).toEqual([
      'p7',
      'p8',
      'p9',
    ]);
    store.delete('pods', 'shop', 'p1');
    expect(events[3]).toMatchObject({ type: 'DELETED' });
    expect(events[3].object.metadata?.resourceVersion).toBe('11');
    stop();
    store.compact();
    expect(
      apiError(() =>
        store.watch('pods', { fromResourceVersion: '10' }, () => {}),
      ).status.code,
    ).toBe(410);
  });

  it('watches with initial state, namespaces and selector transitions', () => {
    const { store } = setup();
    store.create(pod('a'));
    store.create({ ...pod('x'), metadata: { name: 'x', namespace: 'other' } });
    const events: string[] = [];
    store.watch('pods', { namespace: 'shop', labelSelector: 'app=web' }, e =>
      events.push(`${e.type}:${e.object.metadata?.name}`),
    );
    const b = store.create({
      ...pod('b'),
      metadata: { name: 'b', namespace: 'shop', labels: { app: 'db' } },
    });
    store.patch('pods', 'shop', 'b', { metadata: { labels: { app: 'web' } } });
    store.patch('pods', 'shop', 'a', { metadata: { labels: { app: 'db' } } });
    store.create({
      ...pod('y'),
      metadata: { name: 'y', namespace: 'other', labels: { app: 'web' } },
    });
    expect(b.metadata?.name).toBe('b');
    expect(events).toEqual(['ADDED:a', 'ADDED:b', 'DELETED:a']);
  });

  it('delivers events in order when listeners write', () => {
    const { store } = setup();
    const seen: string[] = [];
    store.watch('pods', {}, e => {
      if (e.type === 'ADDED' && e.object.metadata?.name === 'a') {
        store.create(pod('b'));
      }
    });
    store.watch('pods', {}, e =>
      seen.push(
        `${e.type}:${e.object.metadata?.name}:${e.object.metadata?.resourceVersion}`,
      ),
    );
    store.create(pod('a'));
    expect(seen).toEqual(['ADDED:a:1', 'ADDED:b:2']);
  });

  it('dry-runs writes without storing them', () => {
    const { store } = setup();
    const created = store.create(pod('a'), { dryRun: true });
    expect(created.metadata?.uid).toBeDefined();
    expect(store.tryGet('pods', 'shop', 'a')).toBeUndefined();
    expect(store.resourceVersion).toBe('0');
    store.create(pod('a'));
    const patched = store.patch(
      'pods',
      'shop',
      'a',
      { metadata: { labels: { x: 'y' } } },
      'merge',
      { dryRun: true },
    );
    expect(patched.metadata?.labels).toEqual({ app: 'web', x: 'y' });
    expect(store.get('pods', 'shop', 'a').metadata?.labels).toEqual({
      app: 'web',
    });
    store.delete('pods', 'shop', 'a', { dryRun: true });
    expect(store.tryGet('pods', 'shop', 'a')).toBeDefined();
    expect(store.resourceVersion).toBe('1');
  });

  it('honours finalizers and graceful deletion', () => {
    const { store, clock } = setup();
    store.create({
      ...pod('a'),
      metadata: { name: 'a', namespace: 'shop', finalizers: ['x/y'] },
    });
    const types: string[] = [];
    store.watch('pods', { fromResourceVersion: '1' }, e => types.push(e.type));
    clock.t += 1000;
    const marked = store.delete('pods', 'shop', 'a');
    expect(marked.removed).toBe(false);
    expect(marked.object.metadata?.deletionTimestamp).toBe(
      '2025-03-04T00:00:01Z',
    );
    const current = store.get('pods', 'shop', 'a');
    const done = store.update({
      ...current,
      metadata: { ...current.metadata, finalizers: [] },
    });
    expect(done.metadata?.resourceVersion).toBe('3');
    expect(store.tryGet('pods', 'shop', 'a')).toBeUndefined();
    expect(types).toEqual(['MODIFIED', 'DELETED']);

    store.setGracefulDeletion(
      (_obj, type, opts) =>
        type.kind === 'Pod' && opts.gracePeriodSeconds !== 0,
    );
    store.create(pod('b'));
    expect(store.delete('pods', 'shop', 'b').removed).toBe(false);
    expect(
      store.get('pods', 'shop', 'b').metadata?.deletionTimestamp,
    ).toBeDefined();
    expect(
      store.delete('pods', 'shop', 'b', { gracePeriodSeconds: 0 }).removed,
    ).toBe(true);
  });

  it('collects dependents by ownerReferences', () => {
    const { store } = setup();
    const d = store.create(deployment('web'));
    const owner = (o: KubeObject) => [
      {
        apiVersion: 'apps/v1',
        kind: o.kind!,
        name: o.metadata!.name!,
        uid: o.metadata!.uid!,
        controller: true,
      },
    ];
    const rs = store.create({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web-1', namespace: 'shop', ownerReferences: owner(d) },
      spec: { replicas: 1 },
    });
    store.create({
      ...pod('web-1-a'),
      metadata: {
        name: 'web-1-a',
        namespace: 'shop',
        ownerReferences: owner(rs),
      },
    });
    store.delete('apps/deployments', 'shop', 'web');
    expect(store.list('apps/replicasets').items).toHaveLength(0);
    expect(store.list('pods').items).toHaveLength(0);

    const d2 = store.create(deployment('api'));
    store.create({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: 'api-1',
        namespace: 'shop',
        ownerReferences: owner(d2),
      },
    });
    store.delete('apps/deployments', 'shop', 'api', {
      propagationPolicy: 'Orphan',
    });
    expect(
      store.get('apps/replicasets', 'shop', 'api-1').metadata?.ownerReferences,
    ).toBeUndefined();
  });

  it('deletes the contents of a deleted namespace', () => {
    const { store } = setup();
    store.create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'shop' },
    });
    store.create(pod('a'));
    expect(store.get('namespaces', undefined, 'shop').status).toEqual({
      phase: 'Active',
    });
    store.delete('namespaces', undefined, 'shop');
    expect(store.list('pods').items).toHaveLength(0);
  });

  it('runs admission hooks and the validator', () => {
    const { store } = setup();
    const remove = store.addAdmissionHook(req => {
      if (req.operation === 'CREATE' && req.object?.kind === 'Pod') {
        req.object.metadata!.labels = {
          ...req.object.metadata!.labels,
          admitted: 'yes',
        };
        if (req.name === 'bad') {
          throw new ApiError({
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            reason: 'Forbidden',
            message: 'pods "bad" is forbidden: exceeded quota: q',
            code: 403,
          });
        }
      }
    });
    expect(store.create(pod('a')).metadata?.labels?.admitted).toBe('yes');
    expect(apiError(() => store.create(pod('bad'))).status.code).toBe(403);
    remove();
    store.setValidator(obj =>
      (obj.spec as any)?.replicas < 0
        ? [
            {
              field: 'spec.replicas',
              message: 'Invalid value: -1: must be greater than or equal to 0',
            },
          ]
        : [],
    );
    const err = apiError(() => store.create(deployment('web', -1)));
    expect(err.status).toMatchObject({
      code: 422,
      reason: 'Invalid',
      message:
        'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      details: {
        name: 'web',
        kind: 'Deployment',
        group: 'apps',
        causes: [{ field: 'spec.replicas', reason: 'FieldValueInvalid' }],
      },
    });
  });

  it('registers unknown kinds and converts served versions', () => {
    const { store } = setup();
    const cr = store.create({
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w', namespace: 'shop' },
      spec: { size: 3 },
    });
    expect(
      store.registry.lookup('example.com', 'v1', 'widgets')?.namespaced,
    ).toBe(true);
    expect(store.get('example.com/widgets', 'shop', 'w')).toBe(cr);
    const ev = store.create({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'e1', namespace: 'shop' },
      regarding: { kind: 'Pod', name: 'a', namespace: 'shop' },
      reason: 'BackOff',
      note: 'Back-off restarting failed container',
      type: 'Warning',
    });
    expect(ev).toMatchObject({
      apiVersion: 'v1',
      involvedObject: { name: 'a' },
      message: 'Back-off restarting failed container',
      firstTimestamp: '2025-03-04T00:00:00Z',
    });
    const hpa = store.create({
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'h', namespace: 'shop' },
      spec: {
        scaleTargetRef: {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: 'web',
        },
        maxReplicas: 5,
        targetCPUUtilizationPercentage: 70,
      },
    });
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(
      (hpa.spec as any).metrics[0].resource.target.averageUtilization,
    ).toBe(70);
  });
});
