import { componentOf } from './analyze';
import { ClusterMonitor, trimObject } from './backend';
import { revisionChanges } from './history';

const template = (image: string, extra: Record<string, unknown> = {}) => ({
  metadata: { labels: { app: 'web', 'pod-template-hash': image.slice(-3) } },
  spec: { containers: [{ name: 'web', image, ...extra }] },
});

function replicaSet(revision: number, created: string, image: string) {
  return trimObject('ReplicaSet', {
    kind: 'ReplicaSet',
    metadata: {
      name: `web-${revision}`,
      namespace: 'shop',
      uid: `rs-${revision}`,
      creationTimestamp: created,
      annotations: { 'deployment.kubernetes.io/revision': String(revision) },
      ownerReferences: [
        { kind: 'Deployment', name: 'web', uid: 'dep', controller: true },
      ],
    },
    spec: { template: template(image) },
  });
}

function cacheWith(replicaSets: ReturnType<typeof replicaSet>[]) {
  const monitor = new ClusterMonitor({
    cluster: 'c',
    client: {} as any,
    clock: { now: () => 0, setTimeout: () => ({ cancel() {} }) },
    detectors: [],
    settings: () => ({}),
    emit: () => {},
    logger: { info() {}, warn() {}, error() {} },
  });
  monitor.cache.replace('Deployment', [
    trimObject('Deployment', {
      kind: 'Deployment',
      metadata: {
        name: 'web',
        namespace: 'shop',
        uid: 'dep',
        creationTimestamp: '2025-03-04T00:00:00Z',
        annotations: { 'deployment.kubernetes.io/revision': '3' },
      },
      spec: { replicas: 2, template: template('web:1.2') },
    }),
  ]);
  monitor.cache.replace('ReplicaSet', replicaSets);
  return monitor.cache;
}

describe('revisionChanges', () => {
  it('replays the revisions a Deployment keeps as ReplicaSets', () => {
    const changes = revisionChanges(
      cacheWith([
        replicaSet(3, '2025-03-04T02:00:00Z', 'web:1.2'),
        replicaSet(1, '2025-03-04T00:00:01Z', 'web:1.0'),
        replicaSet(2, '2025-03-04T01:00:00Z', 'web:1.1'),
      ]),
      'c',
    );
    expect(
      changes.map(c => ({
        kind: c.kind,
        object: `${c.object.kind}/${c.object.namespace}/${c.object.name}`,
        at: c.at,
        revision: c.revision,
        summary: c.summary,
      })),
    ).toEqual([
      {
        kind: 'workload-revision',
        object: 'Deployment/shop/web',
        at: '2025-03-04T00:00:00.000Z',
        revision: '1',
        summary: 'web: new Deployment (image web:1.0, replicas 2)',
      },
      {
        kind: 'workload-revision',
        object: 'Deployment/shop/web',
        at: '2025-03-04T01:00:00.000Z',
        revision: '2',
        summary: 'web: image web:1.0 -> 1.1',
      },
      {
        kind: 'workload-revision',
        object: 'Deployment/shop/web',
        at: '2025-03-04T02:00:00.000Z',
        revision: '3',
        summary: 'web: image web:1.1 -> 1.2',
      },
    ]);
    // Only what changed is in the diff (not the pod-template-hash label).
    expect(changes[2].diff.map(d => d.path)).toEqual([
      'spec.template.spec.containers[web].image',
    ]);
  });

  it('does not invent a creation when the first revisions were pruned', () => {
    const changes = revisionChanges(
      cacheWith([
        replicaSet(4, '2025-03-04T01:00:00Z', 'web:1.1'),
        // A rollback re-used an older ReplicaSet: never before revision 4.
        replicaSet(5, '2025-03-04T00:30:00Z', 'web:1.0'),
      ]),
      'c',
    );
    expect(changes.map(c => [c.revision, c.at])).toEqual([
      ['5', '2025-03-04T01:00:00.000Z'],
    ]);
  });
});

describe('componentOf', () => {
  it('takes the kubernetes-id label, else the workload name', () => {
    const deployment = { kind: 'Deployment', namespace: 'shop', name: 'web' };
    expect(
      componentOf({ 'backstage.io/kubernetes-id': 'storefront' }, deployment),
    ).toBe('component:default/storefront');
    expect(componentOf({}, deployment)).toBe('component:default/web');
    expect(componentOf({}, { kind: 'Node', name: 'node-a' })).toBe(undefined);
  });
});
