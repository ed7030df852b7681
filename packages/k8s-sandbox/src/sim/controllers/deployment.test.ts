import type { KubeObject } from '../../api/types';
import { Obj } from './util';
import {
  deploymentManifest as dep,
  Harness,
  objects,
  startHarness,
} from './testHarness';

function replicaSets(h: Harness): Obj[] {
  return h.store.list('apps/replicasets', { namespace: 'default' })
    .items as Obj[];
}

function condition(obj: Obj, type: string): Obj | undefined {
  return (obj.status?.conditions ?? []).find((c: Obj) => c.type === type);
}

describe('Deployment controller', () => {
  let h: Harness;
  afterEach(() => h?.stop());

  it('creates a hashed ReplicaSet and becomes available at t=0', async () => {
    h = await startHarness(objects([dep('web', 'web:1', { replicas: 4 })]));
    const rs = replicaSets(h);
    expect(rs).toHaveLength(1);
    expect(rs[0].metadata.name).toMatch(
      /^web-[bcdfghjklmnpqrstvwxz2456789]{10}$/,
    );
    expect(
      rs[0].metadata.annotations['deployment.kubernetes.io/revision'],
    ).toBe('1');
    const d = h.get('apps/deployments', 'default', 'web');
    expect(d.metadata.annotations['deployment.kubernetes.io/revision']).toBe(
      '1',
    );
    expect(d.status).toMatchObject({
      replicas: 4,
      updatedReplicas: 4,
      readyReplicas: 4,
      availableReplicas: 4,
      unavailableReplicas: 0,
      observedGeneration: 1,
    });
    expect(condition(d, 'Progressing')!.reason).toBe('NewReplicaSetAvailable');
    expect(condition(d, 'Available')!.status).toBe('True');
    const pods = h.pods('default');
    expect(pods).toHaveLength(4);
    expect(pods[0].metadata.labels['pod-template-hash']).toBe(
      rs[0].metadata.labels['pod-template-hash'],
    );
    expect(pods[0].metadata.ownerReferences[0]).toMatchObject({
      kind: 'ReplicaSet',
      controller: true,
      blockOwnerDeletion: true,
    });
    expect(pods[0].spec).toMatchObject({
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      serviceAccountName: 'default',
    });
    expect(h.events('ScalingReplicaSet').map(e => e.message)).toEqual([
      `Scaled up replica set ${rs[0].metadata.name} from 0 to 4`,
    ]);
  });

  it('rolls out with surge rounded up and unavailable rounded down', async () => {
    h = await startHarness(objects([dep('web', 'web:1', { replicas: 4 })]), {
      unready: new Set(['web:2']),
    });
    await h.run(10_000);
    h.apply(dep('web', 'web:2', { replicas: 4 }) as KubeObject);
    await h.run(11_000);
    const rss = replicaSets(h);
    expect(rss).toHaveLength(2);
    const newRS = rss.find(
      r => r.spec.template.spec.containers[0].image === 'web:2',
    )!;
    const oldRS = rss.find(r => r !== newRS)!;
    // 4 replicas: maxSurge 25% -> 1 (up), maxUnavailable 25% -> 1 (down).
    expect(newRS.spec.replicas).toBe(2);
    expect(oldRS.spec.replicas).toBe(3);
    expect(
      newRS.metadata.annotations['deployment.kubernetes.io/revision'],
    ).toBe('2');
    const messages = h.events('ScalingReplicaSet').map(e => e.message);
    expect(messages).toContain(
      `Scaled up replica set ${newRS.metadata.name} from 0 to 1`,
    );
    expect(messages).toContain(
      `Scaled down replica set ${oldRS.metadata.name} from 4 to 3`,
    );
    expect(messages).toContain(
      `Scaled up replica set ${newRS.metadata.name} from 1 to 2`,
    );
    const d = h.get('apps/deployments', 'default', 'web');
    expect(d.status).toMatchObject({
      replicas: 5,
      updatedReplicas: 2,
      availableReplicas: 3,
    });
    expect(condition(d, 'Progressing')!.reason).toBe('ReplicaSetUpdated');
    expect(condition(d, 'Available')!.status).toBe('True');
  });

  it('completes a healthy rollout and keeps the old ReplicaSet at zero', async () => {
    h = await startHarness(objects([dep('web', 'web:1', { replicas: 3 })]));
    h.apply(dep('web', 'web:2', { replicas: 3 }) as KubeObject);
    await h.run(1_000);
    const rss = replicaSets(h);
    expect(rss.map(r => r.spec.replicas).sort()).toEqual([0, 3]);
    const d = h.get('apps/deployments', 'default', 'web');
    expect(d.status).toMatchObject({
      replicas: 3,
      updatedReplicas: 3,
      availableReplicas: 3,
    });
    expect(condition(d, 'Progressing')!.reason).toBe('NewReplicaSetAvailable');
    expect(
      h.pods('default').every(p => p.spec.containers[0].image === 'web:2'),
    ).toBe(true);
  });

  it('reports ProgressDeadlineExceeded for a stuck rollout', async () => {
    h = await startHarness(
      objects([
        dep('web', 'web:1', {
          replicas: 2,
          spec: { progressDeadlineSeconds: 60 },
        }),
      ]),
      { unready: new Set(['web:bad']) },
    );
    h.apply(
      dep('web', 'web:bad', {
        replicas: 2,
        spec: { progressDeadlineSeconds: 60 },
      }) as KubeObject,
    );
    await h.run(30_000);
    let d = h.get('apps/deployments', 'default', 'web');
    expect(condition(d, 'Progressing')!.status).toBe('True');
    await h.run(62_000);
    d = h.get('apps/deployments', 'default', 'web');
    const progressing = condition(d, 'Progressing')!;
    expect(progressing).toMatchObject({
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
    });
    expect(progressing.message).toMatch(
      /^ReplicaSet "web-\w+" has timed out progressing\.$/,
    );
  });

  it('rolls back by template patch, re-using the old ReplicaSet with a new revision', async () => {
    h = await startHarness(objects([dep('web', 'web:1', { replicas: 2 })]), {
      unready: new Set(['web:bad']),
    });
    const first = replicaSets(h)[0];
    h.apply(dep('web', 'web:bad', { replicas: 2 }) as KubeObject);
    await h.run(5_000);
    // What `kubectl rollout undo` does: the old RS's template, minus the hash label.
    const template = structuredClone(
      h.get('apps/replicasets', 'default', first.metadata.name).spec.template,
    );
    delete template.metadata.labels['pod-template-hash'];
    h.store.patch(
      'apps/deployments',
      'default',
      'web',
      [{ op: 'replace', path: '/spec/template', value: template }],
      'json',
    );
    await h.run(6_000);
    const rss = replicaSets(h);
    expect(rss).toHaveLength(2);
    const rolledBack = h.get(
      'apps/replicasets',
      'default',
      first.metadata.name,
    );
    expect(
      rolledBack.metadata.annotations['deployment.kubernetes.io/revision'],
    ).toBe('3');
    expect(
      rolledBack.metadata.annotations[
        'deployment.kubernetes.io/revision-history'
      ],
    ).toBe('1');
    expect(rolledBack.spec.replicas).toBe(2);
    const d = h.get('apps/deployments', 'default', 'web');
    expect(d.metadata.annotations['deployment.kubernetes.io/revision']).toBe(
      '3',
    );
    expect(d.status).toMatchObject({
      updatedReplicas: 2,
      availableReplicas: 2,
      replicas: 2,
    });
  });

  it('keeps revisionHistoryLimit old ReplicaSets', async () => {
    h = await startHarness(
      objects([dep('web', 'web:1', { spec: { revisionHistoryLimit: 1 } })]),
    );
    for (const v of [2, 3, 4]) {
      h.apply(
        dep('web', `web:${v}`, {
          spec: { revisionHistoryLimit: 1 },
        }) as KubeObject,
      );
      await h.run(v * 1000);
    }
    const revisions = replicaSets(h)
      .map(r => r.metadata.annotations['deployment.kubernetes.io/revision'])
      .sort();
    expect(revisions).toEqual(['3', '4']);
  });

  it('uses Recreate: old pods gone before new ones start', async () => {
    h = await startHarness(
      objects([
        dep('web', 'web:1', {
          replicas: 2,
          spec: { strategy: { type: 'Recreate' } },
        }),
      ]),
    );
    h.apply(
      dep('web', 'web:2', {
        replicas: 2,
        spec: { strategy: { type: 'Recreate' } },
      }) as KubeObject,
    );
    await h.run(1_000);
    const messages = h.events('ScalingReplicaSet').map(e => e.message);
    expect(messages[1]).toMatch(
      /^Scaled down replica set web-\w+ from 2 to 0$/,
    );
    expect(messages[2]).toMatch(/^Scaled up replica set web-\w+ from 0 to 2$/);
    expect(h.pods('default').map(p => p.spec.containers[0].image)).toEqual([
      'web:2',
      'web:2',
    ]);
  });

  it('scales proportionally and honours paused', async () => {
    h = await startHarness(objects([dep('web', 'web:1', { replicas: 2 })]));
    h.store.patch(
      'apps/deployments',
      'default',
      'web',
      { spec: { paused: true } },
      'merge',
    );
    await h.run(1000);
    h.apply(
      dep('web', 'web:2', {
        replicas: 2,
        spec: { paused: true },
      }) as KubeObject,
    );
    await h.run(2000);
    expect(replicaSets(h)).toHaveLength(1);
    const d = h.get('apps/deployments', 'default', 'web');
    expect(condition(d, 'Progressing')!.reason).toBe('DeploymentPaused');
    h.store.patch(
      'apps/deployments',
      'default',
      'web',
      { spec: { replicas: 5 } },
      'merge',
    );
    await h.run(3000);
    expect(replicaSets(h)[0].spec.replicas).toBe(5);
  });
});
