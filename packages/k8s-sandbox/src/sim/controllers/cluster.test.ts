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

const smallNodes = [
  { name: 'node-1', cpu: '1', memory: '4Gi' },
  { name: 'node-2', cpu: '1', memory: '4Gi', labels: { disk: 'ssd' } },
  {
    name: 'node-3',
    cpu: '1',
    memory: '4Gi',
    taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }],
  },
];

function pending(h: Harness): Obj[] {
  return h.pods('default').filter(p => !p.spec.nodeName);
}

describe('Scheduler', () => {
  let h: Harness;
  afterEach(() => h?.stop());

  it('spreads by lowest requested CPU and reports Scheduled', async () => {
    h = await startHarness(
      objects([dep('web', 'web:1', { replicas: 2, cpu: '200m' })], smallNodes),
    );
    expect(
      h
        .pods('default')
        .map(p => p.spec.nodeName)
        .sort(),
    ).toEqual(['node-1', 'node-2']);
    const scheduled = h.events('Scheduled')[0];
    expect(scheduled.message).toMatch(
      /^Successfully assigned default\/web-\w+-\w+ to node-[12]$/,
    );
    expect(scheduled.source.component).toBe('default-scheduler');
  });

  it('explains insufficient cpu and taints', async () => {
    h = await startHarness(
      objects([dep('web', 'web:1', { replicas: 3, cpu: '800m' })], smallNodes),
    );
    const [pod] = pending(h);
    const message =
      '0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: db}, 2 Insufficient cpu. ' +
      'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.';
    expect(condition(pod, 'PodScheduled')).toMatchObject({
      status: 'False',
      reason: 'Unschedulable',
      message,
    });
    const events = h.events('FailedScheduling');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'Warning', message });
  });

  it('explains nodeSelector mismatch and schedules once a node matches', async () => {
    h = await startHarness(
      objects(
        [dep('web', 'web:1', { podSpec: { nodeSelector: { disk: 'nvme' } } })],
        smallNodes,
      ),
    );
    expect(condition(pending(h)[0], 'PodScheduled')!.message).toBe(
      "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: db}, 2 node(s) didn't match Pod's node affinity/selector. " +
        'preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    );
    const node = h.get('nodes', undefined, 'node-1');
    h.store.update({
      ...node,
      metadata: {
        ...node.metadata,
        labels: { ...node.metadata.labels, disk: 'nvme' },
      },
    } as KubeObject);
    await h.run(1000);
    expect(h.pods('default')[0].spec.nodeName).toBe('node-1');
  });

  it('honours required anti-affinity and preferred node affinity', async () => {
    const podSpec = {
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            {
              labelSelector: { matchLabels: { app: 'web' } },
              topologyKey: 'kubernetes.io/hostname',
            },
          ],
        },
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 50,
              preference: {
                matchExpressions: [
                  { key: 'disk', operator: 'In', values: ['ssd'] },
                ],
              },
            },
          ],
        },
      },
    };
    h = await startHarness(
      objects([dep('web', 'web:1', { replicas: 3, podSpec })], smallNodes),
    );
    const bound = h.pods('default').filter(p => p.spec.nodeName);
    expect(bound.map(p => p.spec.nodeName).sort()).toEqual([
      'node-1',
      'node-2',
    ]);
    expect(h.events('Scheduled')[0].message).toMatch(/to node-2$/);
    expect(condition(pending(h)[0], 'PodScheduled')!.message).toContain(
      "2 node(s) didn't satisfy existing pods anti-affinity rules",
    );
  });

  it('preempts lower-priority pods for a higher-priority one', async () => {
    const pc = {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name: 'high' },
      value: 1000,
    };
    h = await startHarness(
      objects(
        [pc, dep('low', 'low:1', { replicas: 2, cpu: '800m' })],
        smallNodes.slice(0, 2),
      ),
    );
    h.apply(
      dep('vip', 'vip:1', {
        cpu: '800m',
        podSpec: { priorityClassName: 'high' },
      }) as KubeObject,
    );
    await h.run(1000);
    const preempted = h.events('Preempted');
    expect(preempted).toHaveLength(1);
    expect(preempted[0].message).toMatch(
      /^Preempted by pod [\w-]+ on node node-1$/,
    );
    const vip = h
      .pods('default')
      .find(p => p.metadata.name.startsWith('vip-'))!;
    expect(vip.spec.nodeName).toBe('node-1');
    // The victim's ReplicaSet replaces it; the replacement cannot fit.
    expect(pending(h).map(p => p.metadata.name.slice(0, 4))).toEqual(['low-']);
  });
});

describe('Node lifecycle', () => {
  let h: Harness;
  afterEach(() => h?.stop());

  const nodes = [
    { name: 'node-1', cpu: '4', memory: '16Gi' },
    { name: 'node-2', cpu: '4', memory: '16Gi' },
  ];
  const sts = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', namespace: 'default' },
    spec: {
      replicas: 1,
      serviceName: 'db',
      selector: { matchLabels: { app: 'db' } },
      template: {
        metadata: { labels: { app: 'db' } },
        spec: {
          nodeSelector: { 'kubernetes.io/hostname': 'node-2' },
          containers: [{ name: 'db', image: 'db:1' }],
        },
      },
    },
  };

  it('taints at 40s, evicts at 340s, ReplicaSets replace and StatefulSets do not', async () => {
    h = await startHarness(
      `${objects(
        [dep('web', 'web:1', { replicas: 2, cpu: '1' }), sts],
        nodes,
      )}timeline:\n  - at: 60s\n    node: {name: node-2, ready: false}\n`,
    );
    const onNode2 = () =>
      h.pods('default').filter(p => p.spec.nodeName === 'node-2');
    expect(onNode2()).toHaveLength(2);
    await h.run(99_000);
    expect(h.get('nodes', undefined, 'node-2').spec.taints).toBeUndefined();
    await h.run(100_000);
    const taints = h.get('nodes', undefined, 'node-2').spec.taints;
    expect(taints).toEqual([
      { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' },
      {
        key: 'node.kubernetes.io/unreachable',
        effect: 'NoExecute',
        timeAdded: '2025-03-04T00:01:40Z',
      },
    ]);
    expect(
      onNode2().every(p => condition(p, 'Ready')!.status === 'False'),
    ).toBe(true);
    expect(
      h.events('NodeNotReady').filter(e => e.involvedObject.kind === 'Pod'),
    ).toHaveLength(2);
    await h.run(399_000);
    expect(onNode2().some(p => p.metadata.deletionTimestamp)).toBe(false);
    await h.run(400_000);
    expect(onNode2().every(p => p.metadata.deletionTimestamp)).toBe(true);
    await h.run(401_000);
    const web = h
      .pods('default')
      .filter(
        p =>
          p.metadata.name.startsWith('web-') && !p.metadata.deletionTimestamp,
      );
    expect(web).toHaveLength(2);
    expect(web.every(p => p.spec.nodeName === 'node-1')).toBe(true);
    expect(
      h.pods('default').filter(p => p.metadata.name.startsWith('db-')),
    ).toHaveLength(1);
    expect(h.events('TaintManagerEviction')).toHaveLength(2);
    // The node returns: taints go, the kubelet finishes the terminating pods, db-0 comes back.
    h.cluster.runStep({
      kind: 'node',
      name: 'node-2',
      ready: true,
      at: 0,
      atText: '0',
      index: 0,
    });
    await h.run(402_000);
    expect(h.get('nodes', undefined, 'node-2').spec.taints).toBeUndefined();
    const db = h.get('pods', 'default', 'db-0');
    expect(db.metadata.deletionTimestamp).toBeUndefined();
    expect(db.status.phase).toBe('Running');
  });

  it('deletes the pods of a deleted node', async () => {
    h = await startHarness(
      objects([dep('web', 'web:1', { replicas: 2, cpu: '3' })], nodes),
    );
    h.store.delete('nodes', undefined, 'node-2');
    await h.run(1000);
    const pods = h.pods('default');
    expect(pods.filter(p => p.spec.nodeName === 'node-2')).toHaveLength(0);
    expect(pods).toHaveLength(2);
    expect(pending(h)).toHaveLength(1);
  });
});

describe('Volumes, endpoints and autoscaling', () => {
  let h: Harness;
  afterEach(() => h?.stop());

  const claim = (name: string, className?: string) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: 'default' },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '1Gi' } },
      ...(className ? { storageClassName: className } : {}),
    },
  });
  const withClaim = (name: string) =>
    dep('app', 'app:1', {
      podSpec: {
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: name } }],
      },
    });

  it('keeps a claim without its class Pending, and its pod unschedulable', async () => {
    h = await startHarness(objects([claim('data', 'fast'), withClaim('data')]));
    const pvc = h.get('persistentvolumeclaims', 'default', 'data');
    expect(pvc.status.phase).toBe('Pending');
    expect(h.events('ProvisioningFailed')[0].message).toBe(
      'storageclass.storage.k8s.io "fast" not found',
    );
    expect(condition(pending(h)[0], 'PodScheduled')!.message).toBe(
      '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    );
  });

  it('binds WaitForFirstConsumer claims when the pod is scheduled', async () => {
    const sc = {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'wffc' },
      provisioner: 'pd.csi.storage.gke.io',
      volumeBindingMode: 'WaitForFirstConsumer',
      allowVolumeExpansion: true,
    };
    h = await startHarness(
      objects([
        sc,
        claim('lonely', 'wffc'),
        claim('data', 'wffc'),
        withClaim('data'),
      ]),
    );
    expect(
      h.get('persistentvolumeclaims', 'default', 'lonely').status.phase,
    ).toBe('Pending');
    const pvc = h.get('persistentvolumeclaims', 'default', 'data');
    expect(pvc.status).toMatchObject({
      phase: 'Bound',
      capacity: { storage: '1Gi' },
    });
    expect(pvc.spec.volumeName).toBe(`pvc-${pvc.metadata.uid}`);
    expect(pvc.metadata.annotations['volume.kubernetes.io/selected-node']).toBe(
      h.pods('default')[0].spec.nodeName,
    );
    h.store.patch(
      'persistentvolumeclaims',
      'default',
      'data',
      { spec: { resources: { requests: { storage: '5Gi' } } } },
      'merge',
    );
    await h.run(1000);
    expect(
      h.get('persistentvolumeclaims', 'default', 'data').status.capacity
        .storage,
    ).toBe('5Gi');
  });

  it('maintains Endpoints with ready and not-ready addresses', async () => {
    const svc = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        selector: { app: 'web' },
        ports: [{ name: 'http', port: 80, targetPort: 'http' }],
      },
    };
    const web = dep('web', 'web:1', { replicas: 2 });
    web.spec.template.spec.containers[0].ports = [
      { name: 'http', containerPort: 8080 },
    ];
    h = await startHarness(objects([web, svc]));
    const ep = h.get('endpoints', 'default', 'web');
    expect(ep.subsets).toHaveLength(1);
    expect(ep.subsets[0].addresses).toHaveLength(2);
    expect(ep.subsets[0].ports).toEqual([
      { name: 'http', port: 8080, protocol: 'TCP' },
    ]);
  });

  const hpa = (max: number) => ({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      scaleTargetRef: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'web',
      },
      minReplicas: 2,
      maxReplicas: max,
      metrics: [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: { type: 'Utilization', averageUtilization: 50 },
          },
        },
      ],
    },
  });

  it('scales up by at most max(4, 100%) and reports the limit at max', async () => {
    h = await startHarness(
      objects([dep('web', 'web:1', { replicas: 2 }), hpa(5)]),
    );
    await h.run(1);
    let status = h.get(
      'autoscaling/horizontalpodautoscalers',
      'default',
      'web',
    ).status;
    expect(status.currentMetrics[0].resource.current.averageUtilization).toBe(
      50,
    );
    expect(condition({ status }, 'ScalingActive')!.reason).toBe(
      'ValidMetricFound',
    );
    h.cpu.set('web-', 0.3); // 300% of request
    await h.run(15_000);
    expect(h.get('apps/deployments', 'default', 'web').spec.replicas).toBe(5);
    expect(h.events('SuccessfulRescale')[0].message).toBe(
      'New size: 5; reason: cpu resource utilization (percentage of request) above target',
    );
    await h.run(30_000);
    status = h.get(
      'autoscaling/horizontalpodautoscalers',
      'default',
      'web',
    ).status;
    expect(status).toMatchObject({ currentReplicas: 5, desiredReplicas: 5 });
    expect(condition({ status }, 'ScalingLimited')).toMatchObject({
      status: 'True',
      reason: 'TooManyReplicas',
    });
    // Scale-down waits for the 5-minute window.
    h.cpu.set('web-', 0.01);
    await h.run(300_000);
    expect(h.get('apps/deployments', 'default', 'web').spec.replicas).toBe(5);
    await h.run(345_000);
    expect(h.get('apps/deployments', 'default', 'web').spec.replicas).toBe(2);
  });

  it('gets no metrics while metrics-server has no Ready pod', async () => {
    const ms = dep('metrics-server', 'metrics-server:1', {
      namespace: 'kube-system',
    });
    h = await startHarness(
      objects([ms, dep('web', 'web:1', { replicas: 2 }), hpa(5)]),
      {
        unready: new Set(['metrics-server:1']),
      },
    );
    await h.run(1);
    const status = h.get(
      'autoscaling/horizontalpodautoscalers',
      'default',
      'web',
    ).status;
    expect(condition({ status }, 'ScalingActive')).toMatchObject({
      status: 'False',
      reason: 'FailedGetResourceMetric',
    });
    expect(h.events('FailedGetResourceMetric')[0]).toMatchObject({
      type: 'Warning',
      message:
        'failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: the server is currently unable to handle the request (get pods.metrics.k8s.io)',
    });
  });
});
