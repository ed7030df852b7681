import type { KubeObject } from '../../api/types';
import { Obj } from './util';
import {
  deploymentManifest as dep,
  Harness,
  objects,
  startHarness,
} from './testHarness';

function condition(obj: Obj, type: string): Obj | undefined {
  return (obj.status?.conditions ?? []).find((c: Obj) => c.type === type);
}

describe('ReplicaSet controller and admission', () => {
  let h: Harness;
  afterEach(() => h?.stop());

  it('replaces failed (evicted) pods', async () => {
    h = await startHarness(objects([dep('web', 'web:1', { replicas: 2 })]));
    const [victim] = h.pods('default');
    h.store.updateStatus({
      ...victim,
      status: { ...victim.status, phase: 'Failed', reason: 'Evicted' },
    } as KubeObject);
    await h.run(1000);
    const pods = h.pods('default');
    expect(pods).toHaveLength(3);
    expect(pods.filter(p => p.status.phase === 'Running')).toHaveLength(2);
    const created = h.events('SuccessfulCreate');
    expect(created).toHaveLength(3);
    const replacement = pods.find(
      p =>
        p.status.phase === 'Running' &&
        !created.slice(0, 2).some(e => e.message.endsWith(p.metadata.name)),
    )!;
    expect(created[2].message).toBe(
      `Created pod: ${replacement.metadata.name}`,
    );
  });

  it('records FailedCreate with the quota message and sets ReplicaFailure', async () => {
    const quota = {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'compute-quota', namespace: 'default' },
      spec: { hard: { 'requests.cpu': '2', pods: '10' } },
    };
    h = await startHarness(
      objects([quota, dep('web', 'web:1', { replicas: 4, cpu: '600m' })]),
    );
    const rs = h.store.list('apps/replicasets').items[0] as Obj;
    const failed = h.events('FailedCreate');
    expect(failed).toHaveLength(1);
    expect(failed[0].message).toMatch(
      /^Error creating: pods "web-\w+-\w{5}" is forbidden: exceeded quota: compute-quota, requested: requests\.cpu=600m, used: requests\.cpu=1800m, limited: requests\.cpu=2$/,
    );
    expect(
      condition(
        h.get('apps/replicasets', 'default', rs.metadata.name),
        'ReplicaFailure',
      ),
    ).toMatchObject({
      status: 'True',
      reason: 'FailedCreate',
    });
    const d = h.get('apps/deployments', 'default', 'web');
    expect(condition(d, 'ReplicaFailure')).toMatchObject({
      status: 'True',
      reason: 'FailedCreate',
    });
    expect(condition(d, 'Available')!.status).toBe('True');
    const q = h.get('resourcequotas', 'default', 'compute-quota');
    expect(q.status).toEqual({
      hard: { 'requests.cpu': '2', pods: '10' },
      used: { 'requests.cpu': '1800m', pods: '3' },
    });
    await h.run(60_000);
    expect(h.events('FailedCreate').length).toBeGreaterThan(5);
    expect(h.pods('default')).toHaveLength(3);
  });

  it('applies LimitRange defaults and refuses pods over the max', async () => {
    const limits = {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'limits', namespace: 'default' },
      spec: {
        limits: [
          {
            type: 'Container',
            max: { memory: '1Gi' },
            default: { memory: '512Mi' },
            defaultRequest: { cpu: '200m' },
          },
        ],
      },
    };
    const big = dep('big', 'big:1');
    big.spec.template.spec.containers[0].resources.limits = { memory: '2Gi' };
    h = await startHarness(objects([limits, dep('web', 'web:1'), big]));
    const web = h
      .pods('default')
      .find(p => p.metadata.name.startsWith('web-'))!;
    expect(web.spec.containers[0].resources).toEqual({
      requests: { cpu: '100m', memory: '64Mi' },
      limits: { memory: '512Mi' },
    });
    expect(h.events('FailedCreate')[0].message).toMatch(
      /is forbidden: maximum memory usage per Container is 1Gi, but limit is 2Gi$/,
    );
  });

  it('resolves PriorityClass and refuses an unknown one', async () => {
    const pc = {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name: 'high' },
      value: 1000,
    };
    h = await startHarness(
      objects([
        pc,
        dep('a', 'a:1', { podSpec: { priorityClassName: 'high' } }),
        dep('b', 'b:1', { podSpec: { priorityClassName: 'missing' } }),
      ]),
    );
    expect(
      h.pods('default').find(p => p.metadata.name.startsWith('a-'))!.spec
        .priority,
    ).toBe(1000);
    expect(h.events('FailedCreate')[0].message).toMatch(
      /forbidden: no PriorityClass with name missing was found$/,
    );
  });
});

describe('StatefulSet, DaemonSet, Job and CronJob controllers', () => {
  let h: Harness;
  afterEach(() => h?.stop());

  const sts = (extra: Obj = {}) => ({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', namespace: 'default' },
    spec: {
      replicas: 3,
      serviceName: 'db',
      selector: { matchLabels: { app: 'db' } },
      template: {
        metadata: { labels: { app: 'db' } },
        spec: { containers: [{ name: 'db', image: 'db:1' }] },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: {
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: '1Gi' } },
          },
        },
      ],
      ...extra,
    },
  });
  const storageClass = {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: {
      name: 'standard',
      annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
    },
    provisioner: 'rancher.io/local-path',
  };

  it('creates ordered pods with claims and revisions', async () => {
    h = await startHarness(objects([storageClass, sts()]));
    const pods = h.pods('default').map(p => p.metadata.name);
    expect(pods).toEqual(['db-0', 'db-1', 'db-2']);
    const claims = h.store.list('persistentvolumeclaims', {
      namespace: 'default',
    }).items as Obj[];
    expect(claims.map(c => [c.metadata.name, c.status.phase])).toEqual([
      ['data-db-0', 'Bound'],
      ['data-db-1', 'Bound'],
      ['data-db-2', 'Bound'],
    ]);
    const set = h.get('apps/statefulsets', 'default', 'db');
    expect(set.status).toMatchObject({
      replicas: 3,
      readyReplicas: 3,
      currentReplicas: 3,
      updatedReplicas: 3,
    });
    expect(set.status.currentRevision).toBe(set.status.updateRevision);
    expect(
      h.get('pods', 'default', 'db-1').metadata.labels[
        'controller-revision-hash'
      ],
    ).toBe(set.status.updateRevision);
  });

  it('waits for each pod to be Ready (OrderedReady)', async () => {
    h = await startHarness(objects([storageClass, sts()]), {
      unready: new Set(['db:1']),
    });
    expect(h.pods('default').map(p => p.metadata.name)).toEqual(['db-0']);
  });

  it('rolls pods from the highest ordinal', async () => {
    h = await startHarness(objects([storageClass, sts()]));
    const next = sts();
    next.spec.template.spec.containers[0].image = 'db:2';
    h.apply(next as KubeObject);
    await h.run(1000);
    const deletes = h.events('SuccessfulDelete').map(e => e.message);
    expect(deletes[0]).toBe('delete Pod db-2 in StatefulSet db successful');
    expect(
      h.pods('default').every(p => p.spec.containers[0].image === 'db:2'),
    ).toBe(true);
  });

  it('runs one DaemonSet pod per eligible node', async () => {
    const ds = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: 'default' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: {
          metadata: { labels: { app: 'agent' } },
          spec: { containers: [{ name: 'a', image: 'agent:1' }] },
        },
      },
    };
    const nodes = [
      { name: 'node-1', cpu: '4', memory: '16Gi' },
      {
        name: 'node-2',
        cpu: '4',
        memory: '16Gi',
        taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }],
      },
      { name: 'node-3', cpu: '4', memory: '16Gi' },
    ];
    h = await startHarness(objects([ds], nodes));
    expect(
      h
        .pods('default')
        .map(p => p.spec.nodeName)
        .sort(),
    ).toEqual(['node-1', 'node-3']);
    expect(h.get('apps/daemonsets', 'default', 'agent').status).toMatchObject({
      desiredNumberScheduled: 2,
      currentNumberScheduled: 2,
      numberReady: 2,
    });
  });

  it('fails a Job past its backoffLimit', async () => {
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'migrate', namespace: 'default' },
      spec: {
        backoffLimit: 2,
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [{ name: 'm', image: 'migrate:1' }],
          },
        },
      },
    };
    h = await startHarness(objects([job]), { failing: new Set(['migrate:1']) });
    await h.run(120_000);
    const j = h.get('batch/jobs', 'default', 'migrate');
    expect(j.status.failed).toBe(3);
    expect(condition(j, 'Failed')).toMatchObject({
      status: 'True',
      reason: 'BackoffLimitExceeded',
    });
    expect(h.events('BackoffLimitExceeded')[0].message).toBe(
      'Job has reached the specified backoff limit',
    );
    expect(h.pods('default')).toHaveLength(3);
  });

  it('completes a Job', async () => {
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'once', namespace: 'default' },
      spec: {
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [{ name: 'm', image: 'ok:1' }],
          },
        },
      },
    };
    h = await startHarness(objects([job]), { succeeding: new Set(['ok:1']) });
    const j = h.get('batch/jobs', 'default', 'once');
    expect(j.status).toMatchObject({ succeeded: 1, active: 0 });
    expect(condition(j, 'Complete')!.status).toBe('True');
    expect(j.status.completionTime).toBeDefined();
    expect(h.events('Completed')[0].message).toBe('Job completed');
  });

  it('runs a CronJob on schedule and keeps the job history', async () => {
    const cj = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'report', namespace: 'default' },
      spec: {
        schedule: '*/5 * * * *',
        successfulJobsHistoryLimit: 2,
        jobTemplate: {
          spec: {
            template: {
              spec: {
                restartPolicy: 'Never',
                containers: [{ name: 'r', image: 'ok:1' }],
              },
            },
          },
        },
      },
    };
    h = await startHarness(objects([cj]), { succeeding: new Set(['ok:1']) });
    expect(h.store.list('batch/jobs').items).toHaveLength(0);
    await h.run(5 * 60_000);
    const jobs = h.store.list('batch/jobs').items as Obj[];
    expect(jobs.map(j => j.metadata.name)).toEqual([
      `report-${Math.floor(h.ctx.startTime / 60000) + 5}`,
    ]);
    await h.run(20 * 60_000);
    expect(h.store.list('batch/jobs').items).toHaveLength(2);
    const c = h.get('batch/cronjobs', 'default', 'report');
    expect(c.status.lastScheduleTime).toBe('2025-03-04T00:20:00Z');
    expect(c.status.lastSuccessfulTime).toBe('2025-03-04T00:20:00Z');
    expect(h.events('SawCompletedJob').length).toBeGreaterThan(0);
    expect(h.events('SuccessfulDelete').map(e => e.message)).toContain(
      `Deleted job report-${Math.floor(h.ctx.startTime / 60000) + 5}`,
    );
  });
});
