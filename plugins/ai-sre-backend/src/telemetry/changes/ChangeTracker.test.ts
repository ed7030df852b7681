import { Change, changeSchema } from '@internal/plugin-ai-sre-common';
import type { AiSreClock } from '@internal/plugin-ai-sre-node';
import { ObjectCache } from '../ObjectCache';
import { trimObject } from '../trim';
import { ChangeTracker } from './ChangeTracker';

/** A manual clock with timers. */
function manualClock(start = Date.parse('2025-03-01T10:00:00Z')) {
  let now = start;
  let timers: Array<{ at: number; fn: () => void }> = [];
  const clock: AiSreClock = {
    now: () => now,
    setTimeout(fn, ms) {
      const timer = { at: now + ms, fn };
      timers.push(timer);
      return { cancel: () => (timers = timers.filter(t => t !== timer)) };
    },
  };
  const advance = (ms: number) => {
    now += ms;
    for (const timer of timers.filter(t => t.at <= now)) {
      timers = timers.filter(t => t !== timer);
      timer.fn();
    }
  };
  return { clock, advance };
}

function setup(options: { configVersions?: number } = {}) {
  const { clock, advance } = manualClock();
  const cache = new ObjectCache();
  const changes: Change[] = [];
  const tracker = new ChangeTracker({
    cluster: 'prod',
    clock,
    cache,
    emit: change => changes.push(changeSchema.parse(change) as Change),
    ...options,
  });
  let rv = 100;
  const apply = (raw: any, initial = false) => {
    const object = trimObject(raw.kind, {
      ...raw,
      metadata: { resourceVersion: String(++rv), ...raw.metadata },
    });
    const previous = cache.set(raw.kind, object);
    tracker.observe(
      {
        type: previous ? 'updated' : 'added',
        kind: raw.kind,
        object,
        previous,
      },
      { initial },
    );
    return object;
  };
  const remove = (raw: any) => {
    const previous = cache.delete(raw.kind, trimObject(raw.kind, raw));
    if (previous) {
      tracker.observe({ type: 'deleted', kind: raw.kind, object: previous });
    }
  };
  return { tracker, changes, apply, remove, advance, cache };
}

interface DeploymentSpec {
  name?: string;
  image?: string;
  env?: any[];
  envFrom?: any[];
  resources?: any;
  revision?: string;
  replicas?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  volumes?: any[];
}

function deployment(spec: DeploymentSpec = {}): any {
  const name = spec.name ?? 'catalog-api';
  return {
    kind: 'Deployment',
    metadata: {
      name,
      namespace: 'bookstore',
      uid: `uid-${name}`,
      ...(spec.revision
        ? {
            annotations: { 'deployment.kubernetes.io/revision': spec.revision },
          }
        : {}),
    },
    spec: {
      replicas: spec.replicas ?? 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: {
          labels: {
            app: name,
            'backstage.io/kubernetes-id': name,
            ...spec.labels,
          },
          ...(spec.annotations ? { annotations: spec.annotations } : {}),
        },
        spec: {
          containers: [
            {
              name,
              image: spec.image ?? `ghcr.io/x/${name}:2.4.0`,
              env: spec.env ?? [{ name: 'CACHE_TTL', value: '60' }],
              ...(spec.envFrom ? { envFrom: spec.envFrom } : {}),
              resources: spec.resources ?? {
                limits: { memory: '512Mi', cpu: '500m' },
              },
              readinessProbe: {
                httpGet: { path: '/ready', port: 'http' },
                periodSeconds: 5,
              },
            },
          ],
          ...(spec.volumes ? { volumes: spec.volumes } : {}),
        },
      },
    },
    status: {},
  };
}

function replicaSet(name: string, revision: string, template: any): any {
  return {
    kind: 'ReplicaSet',
    metadata: {
      name: `${name}-${revision}abc`,
      namespace: 'bookstore',
      uid: `uid-rs-${name}-${revision}`,
      annotations: { 'deployment.kubernetes.io/revision': revision },
      ownerReferences: [
        { kind: 'Deployment', name, uid: `uid-${name}`, controller: true },
      ],
    },
    spec: {
      replicas: 2,
      template: {
        ...template,
        metadata: {
          labels: { ...template.metadata.labels, 'pod-template-hash': 'abc' },
        },
      },
    },
  };
}

describe('ChangeTracker: workloads', () => {
  it('treats the initial list as the baseline', () => {
    const { changes, apply } = setup();
    apply(deployment({ revision: '1' }), true);
    apply(
      { kind: 'ConfigMap', metadata: { name: 'c', namespace: 'bookstore' } },
      true,
    );
    expect(changes).toEqual([]);
  });

  it('records an image change with the new ReplicaSet revision (ReplicaSet first)', () => {
    const { changes, apply, advance } = setup();
    apply(deployment({ revision: '1' }), true);
    const next = deployment({
      revision: '1',
      image: 'ghcr.io/x/catalog-api:2.5.0',
    });
    apply(replicaSet('catalog-api', '2', next.spec.template));
    apply(next);
    expect(changes).toHaveLength(1);
    const [change] = changes;
    expect(change).toMatchObject({
      kind: 'workload-revision',
      cluster: 'prod',
      object: {
        kind: 'Deployment',
        namespace: 'bookstore',
        name: 'catalog-api',
      },
      revision: '2',
      at: '2025-03-01T10:00:00.000Z',
      summary: 'catalog-api: image ghcr.io/x/catalog-api:2.4.0 -> 2.5.0',
      diff: [
        {
          path: 'spec.template.spec.containers[catalog-api].image',
          before: 'ghcr.io/x/catalog-api:2.4.0',
          after: 'ghcr.io/x/catalog-api:2.5.0',
        },
      ],
      labels: {
        app: 'catalog-api',
        'backstage.io/kubernetes-id': 'catalog-api',
      },
      entityRefs: [],
    });
    advance(60_000);
    expect(changes).toHaveLength(1);
  });

  it('waits for the revision when the template changes first', () => {
    const { changes, apply, advance } = setup();
    apply(deployment({ revision: '1' }), true);
    apply(deployment({ revision: '1', image: 'ghcr.io/x/catalog-api:2.5.0' }));
    expect(changes).toHaveLength(0);
    advance(1000);
    apply(deployment({ revision: '2', image: 'ghcr.io/x/catalog-api:2.5.0' }));
    expect(changes).toHaveLength(1);
    expect(changes[0].revision).toBe('2');
    // Recorded when the template changed, not when the number arrived.
    expect(changes[0].at).toBe('2025-03-01T10:00:00.000Z');
  });

  it('does not take the stale revision of the old ReplicaSet on a rollback', () => {
    const { changes, apply } = setup();
    const v1 = deployment({ revision: '1' });
    apply(replicaSet('catalog-api', '1', v1.spec.template), true);
    const v2 = deployment({
      revision: '2',
      image: 'ghcr.io/x/catalog-api:2.5.0',
    });
    apply(v2, true);
    // Rollback: the template is v1's again; the old ReplicaSet says 1.
    apply(deployment({ revision: '2' }));
    expect(changes).toHaveLength(0);
    apply(replicaSet('catalog-api', '3', v1.spec.template));
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      revision: '3',
      summary: 'catalog-api: image ghcr.io/x/catalog-api:2.5.0 -> 2.4.0',
    });
  });

  it('emits without a revision when none arrives in time', () => {
    const { changes, apply, advance } = setup();
    apply(deployment({ revision: '1' }), true);
    apply(deployment({ revision: '1', image: 'ghcr.io/x/catalog-api:2.5.0' }));
    advance(9000);
    expect(changes).toHaveLength(0);
    advance(2000);
    expect(changes).toHaveLength(1);
    expect(changes[0].revision).toBeNull();
  });

  it('describes env, resources and secret references in plain words', () => {
    const { changes, apply, tracker } = setup();
    apply(deployment({ name: 'orders', revision: '4' }), true);
    apply(
      deployment({
        name: 'orders',
        revision: '5',
        env: [{ name: 'CACHE_TTL', value: '5' }],
        resources: { limits: { memory: '160Mi', cpu: '500m' } },
      }),
    );
    apply(deployment({ name: 'payments', revision: '1' }), true);
    apply(
      deployment({
        name: 'payments',
        revision: '2',
        env: [
          { name: 'CACHE_TTL', value: '60' },
          {
            name: 'CARD_KEY',
            valueFrom: {
              secretKeyRef: { name: 'card-processor-credentials', key: 'key' },
            },
          },
        ],
      }),
    );
    apply(
      deployment({
        name: 'payments',
        revision: '3',
        env: [
          {
            name: 'CACHE_TTL',
            valueFrom: {
              configMapKeyRef: { name: 'payments-config', key: 'ttl' },
            },
          },
          {
            name: 'CARD_KEY',
            valueFrom: {
              secretKeyRef: { name: 'card-processor-credentials', key: 'key' },
            },
          },
        ],
      }),
    );
    tracker.flush();
    expect(changes.map(c => [c.summary, c.revision])).toEqual([
      ['orders: env CACHE_TTL 60 -> 5; memory limit 512Mi -> 160Mi', '5'],
      [
        'payments: env CARD_KEY added from Secret card-processor-credentials',
        '2',
      ],
      ['payments: env CACHE_TTL now from ConfigMap payments-config', '3'],
    ]);
    expect(changes[0].diff.map(d => d.path)).toEqual([
      'spec.template.spec.containers[orders].env[CACHE_TTL].value',
      'spec.template.spec.containers[orders].resources.limits.memory',
    ]);
  });

  it('says "now from Secret" when a literal value becomes a reference', () => {
    const { changes, apply } = setup();
    apply(
      deployment({
        name: 'payments',
        revision: '1',
        env: [{ name: 'CARD_KEY', value: 'inline' }],
      }),
      true,
    );
    apply(
      deployment({
        name: 'payments',
        revision: '2',
        env: [
          {
            name: 'CARD_KEY',
            valueFrom: {
              secretKeyRef: { name: 'card-processor-credentials', key: 'key' },
            },
          },
        ],
      }),
    );
    expect(changes[0].summary).toBe(
      'payments: env CARD_KEY now from Secret card-processor-credentials',
    );
    // A literal value under a secret-looking name is never shown.
    expect(JSON.stringify(changes[0])).not.toContain('inline');
  });

  it('ignores label noise but records restarts', () => {
    const { changes, apply } = setup();
    apply(deployment({ revision: '1' }), true);
    apply(deployment({ revision: '1', labels: { 'helm.sh/chart': 'x-2' } }));
    expect(changes).toEqual([]);
    apply(
      deployment({
        revision: '2',
        annotations: {
          'kubectl.kubernetes.io/restartedAt': '2025-03-01T10:00:00Z',
        },
      }),
    );
    expect(changes).toHaveLength(1);
    expect(changes[0].summary).toBe(
      'catalog-api: restarted (rollout restart at 2025-03-01T10:00:00Z)',
    );
  });

  it('records scaling, new workloads and deletions', () => {
    const { changes, apply, remove } = setup();
    apply(deployment({ revision: '1' }), true);
    apply(
      {
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'catalog-api', namespace: 'bookstore' },
        spec: {
          scaleTargetRef: { kind: 'Deployment', name: 'catalog-api' },
          minReplicas: 2,
          maxReplicas: 6,
        },
      },
      true,
    );
    apply(deployment({ revision: '1', replicas: 6 }));
    expect(changes.map(c => [c.kind, c.summary, c.diff])).toEqual([
      [
        'scale',
        'catalog-api: replicas 2 -> 6 (HorizontalPodAutoscaler catalog-api manages it)',
        [{ path: 'spec.replicas', before: 2, after: 6 }],
      ],
    ]);
    apply(deployment({ name: 'search', image: 'ghcr.io/x/search:1.0.0' }));
    apply(
      deployment({
        name: 'search',
        image: 'ghcr.io/x/search:1.0.0',
        revision: '1',
      }),
    );
    expect(changes[1]).toMatchObject({
      kind: 'workload-revision',
      summary:
        'search: new Deployment (image ghcr.io/x/search:1.0.0, replicas 2)',
      revision: '1',
    });
    remove(deployment({ name: 'search' }));
    expect(changes[2].summary).toBe('search: Deployment deleted');
  });

  it('takes a StatefulSet revision from its status.updateRevision', () => {
    const { changes, apply } = setup();
    const sts = (image: string, updateRevision: string) => ({
      kind: 'StatefulSet',
      metadata: { name: 'postgres', namespace: 'bookstore', uid: 'pg' },
      spec: {
        replicas: 1,
        template: {
          metadata: { labels: { app: 'postgres' } },
          spec: { containers: [{ name: 'pg', image }] },
        },
      },
      status: { updateRevision },
    });
    apply(sts('postgres:16.3', 'postgres-aaa'), true);
    apply(sts('postgres:16.4', 'postgres-aaa'));
    expect(changes).toHaveLength(0);
    apply(sts('postgres:16.4', 'postgres-bbb'));
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      revision: 'postgres-bbb',
      summary: 'postgres: image postgres:16.3 -> 16.4',
    });
  });

  it('follows CronJob job templates and ignores the Jobs they create', () => {
    const { changes, apply } = setup();
    const cronJob = (image: string, schedule = '0 * * * *') => ({
      kind: 'CronJob',
      metadata: { name: 'report', namespace: 'bookstore', uid: 'cj' },
      spec: {
        schedule,
        jobTemplate: {
          spec: {
            template: { spec: { containers: [{ name: 'report', image }] } },
          },
        },
      },
    });
    apply(cronJob('report:1'), true);
    apply({
      kind: 'Job',
      metadata: {
        name: 'report-1',
        namespace: 'bookstore',
        ownerReferences: [{ kind: 'CronJob', name: 'report', uid: 'cj' }],
      },
      spec: {
        template: { spec: { containers: [{ name: 'r', image: 'report:1' }] } },
      },
    });
    expect(changes).toEqual([]);
    apply(cronJob('report:2', '*/5 * * * *'));
    expect(changes).toHaveLength(1);
    expect(changes[0].diff.map(d => d.path)).toEqual([
      'spec.jobTemplate.spec.template.spec.containers[report].image',
      'spec.schedule',
    ]);
    expect(changes[0].summary).toBe(
      'report: image report:1 -> 2; schedule 0 * * * * -> */5 * * * *',
    );
  });
});

describe('ChangeTracker: configuration', () => {
  const configMap = (data: Record<string, string>) => ({
    kind: 'ConfigMap',
    metadata: { name: 'orders-config', namespace: 'bookstore' },
    data,
  });

  it('diffs ConfigMaps per key, keeps versions and names the readers', () => {
    const { changes, apply, tracker, remove } = setup({ configVersions: 3 });
    apply(
      deployment({
        name: 'orders',
        revision: '1',
        envFrom: [{ configMapRef: { name: 'orders-config' } }],
      }),
      true,
    );
    apply(
      deployment({
        name: 'web',
        revision: '1',
        volumes: [{ name: 'cfg', configMap: { name: 'orders-config' } }],
      }),
      true,
    );
    apply(configMap({ CACHE_TTL: '60', MODE: 'fast' }), true);
    apply(configMap({ CACHE_TTL: '5', MODE: 'fast', EXTRA: 'on' }));
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      kind: 'config',
      object: { kind: 'ConfigMap', name: 'orders-config' },
      summary:
        'orders-config: CACHE_TTL 60 -> 5; EXTRA=on added; read by Deployment orders (envFrom), Deployment web (volume cfg)',
      diff: [
        { path: 'data.CACHE_TTL', before: '60', after: '5' },
        { path: 'data.EXTRA', before: undefined, after: 'on' },
      ],
      labels: { app: 'orders' },
    });
    expect(
      tracker
        .referencingWorkloads('bookstore', 'ConfigMap', 'orders-config')
        .map(r => r.workload.name),
    ).toEqual(['orders', 'web']);
    expect(tracker.previousVersion('bookstore', 'orders-config')?.data).toEqual(
      {
        CACHE_TTL: '60',
        MODE: 'fast',
      },
    );
    apply(configMap({ CACHE_TTL: '6', MODE: 'fast' }));
    apply(configMap({ CACHE_TTL: '7', MODE: 'fast' }));
    expect(
      tracker.versions('bookstore', 'orders-config').map(v => v.data.CACHE_TTL),
    ).toEqual(['5', '6', '7']);
    remove(configMap({}));
    expect(changes[changes.length - 1].summary).toMatch(
      /^orders-config: ConfigMap deleted \(keys CACHE_TTL, MODE\)/,
    );
    // The history stays, so a deleted ConfigMap can be restored.
    expect(tracker.versions('bookstore', 'orders-config')).toHaveLength(3);
  });

  it('records Secrets as keys and a content hash only', () => {
    const { changes, apply } = setup();
    apply(
      deployment({
        name: 'payments',
        revision: '1',
        env: [
          {
            name: 'CARD_KEY',
            valueFrom: { secretKeyRef: { name: 'card', key: 'key' } },
          },
        ],
      }),
      true,
    );
    const secret = (data: Record<string, string>) => ({
      kind: 'Secret',
      metadata: { name: 'card', namespace: 'bookstore' },
      data,
    });
    apply(secret({ key: 'c2VjcmV0LW9uZQ==' }), true);
    apply(secret({ key: 'c2VjcmV0LXR3bw==', extra: 'eA==' }));
    apply(secret({ key: 'c2VjcmV0LXRocmVl', extra: 'eA==' }));
    expect(changes).toHaveLength(2);
    expect(changes[0].summary).toMatch(
      /^card: key extra added; content hash sha256:\w+ -> sha256:\w+; read by Deployment payments \(env CARD_KEY\)$/,
    );
    expect(changes[0].diff[0]).toEqual({
      path: 'keys',
      before: ['key'],
      after: ['extra', 'key'],
    });
    expect(changes[1].summary).toMatch(/^card: values changed, hash sha256:/);
    const text = JSON.stringify(changes);
    for (const value of ['c2VjcmV0', 'secret-one', 'secret-two', 'eA==']) {
      expect(text).not.toContain(value);
    }
  });

  it('ignores the CA bundle ConfigMaps of new namespaces', () => {
    const { changes, apply, tracker } = setup();
    tracker.markSynced();
    apply({
      kind: 'ConfigMap',
      metadata: { name: 'kube-root-ca.crt', namespace: 'new' },
      data: { 'ca.crt': 'x' },
    });
    apply({
      kind: 'ConfigMap',
      metadata: { name: 'app', namespace: 'new' },
      data: { a: '1' },
    });
    expect(changes.map(c => c.summary)).toEqual([
      'app: ConfigMap created (keys a); no workload reads it',
    ]);
  });
});

describe('ChangeTracker: services, nodes and autoscalers', () => {
  it('records selector and port changes with what they now select', () => {
    const { changes, apply } = setup();
    apply(deployment({ revision: '1' }), true);
    const service = (selector: Record<string, string>, targetPort: any) => ({
      kind: 'Service',
      metadata: { name: 'catalog-api', namespace: 'bookstore' },
      spec: {
        selector,
        ports: [{ name: 'http', port: 3000, targetPort, protocol: 'TCP' }],
      },
    });
    apply(service({ app: 'catalog-api' }, 'http'), true);
    apply(service({ app: 'catalog' }, 8080));
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      kind: 'service',
      summary:
        'catalog-api: selector app=catalog-api -> app=catalog; now selects no workload (was Deployment catalog-api); port http targetPort http -> 8080',
      diff: [
        { path: 'spec.ports[http].targetPort', before: 'http', after: 8080 },
        { path: 'spec.selector.app', before: 'catalog-api', after: 'catalog' },
      ],
      labels: { app: 'catalog-api' },
    });
  });

  it('records node condition transitions, cordons and taints', () => {
    const { changes, apply } = setup();
    const node = (ready: string, extra: any = {}) => ({
      kind: 'Node',
      metadata: { name: 'node-b' },
      spec: extra,
      status: {
        conditions: [
          {
            type: 'Ready',
            status: ready,
            reason: ready === 'True' ? 'KubeletReady' : 'NodeStatusUnknown',
          },
          { type: 'MemoryPressure', status: 'False' },
        ],
      },
    });
    apply(node('True'), true);
    apply(node('True')); // heartbeat only
    apply(
      node('Unknown', {
        unschedulable: true,
        taints: [
          { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' },
        ],
      }),
    );
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      kind: 'node-condition',
      object: { kind: 'Node', name: 'node-b' },
      summary:
        'node-b: Ready True -> Unknown (NodeStatusUnknown); cordoned (unschedulable); taint node.kubernetes.io/unreachable:NoExecute added',
    });
    expect(changes[0].diff.map(d => d.path)).toEqual([
      'spec.taints',
      'spec.unschedulable',
      'status.conditions[Ready].status',
    ]);
  });

  it('records autoscaler limits and targets', () => {
    const { changes, apply } = setup();
    apply(deployment({ revision: '1' }), true);
    const hpa = (max: number, cpu: number) => ({
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'catalog-api', namespace: 'bookstore' },
      spec: {
        scaleTargetRef: { kind: 'Deployment', name: 'catalog-api' },
        minReplicas: 2,
        maxReplicas: max,
        metrics: [
          {
            type: 'Resource',
            resource: {
              name: 'cpu',
              target: { type: 'Utilization', averageUtilization: cpu },
            },
          },
        ],
      },
    });
    apply(hpa(6, 70), true);
    apply(hpa(10, 50));
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      kind: 'autoscaler',
      summary:
        'catalog-api: maxReplicas 6 -> 10; metric cpu target averageUtilization 70 -> 50',
      labels: { app: 'catalog-api' },
    });
    expect(changes[0].diff.map(d => d.path)).toEqual([
      'spec.maxReplicas',
      'spec.metrics[cpu].target.averageUtilization',
    ]);
  });
});
