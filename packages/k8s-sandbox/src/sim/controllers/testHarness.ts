/**
 * A small harness for control-plane tests: a store, a virtual clock, the
 * control plane, nodes from a scenario, and a fake kubelet that runs bound
 * pods (Running, Ready, podIP) unless told otherwise, removes terminating
 * pods while its node is Ready, and reports configurable usage.
 */
import { ObjectStore } from '../../api/store';
import type { KubeObject } from '../../api/types';
import { VirtualClock, SCENARIO_EPOCH } from '../../clock';
import { parseScenario, Scenario } from '../../scenario';
import type { ContainerUsage, SimContext } from '../context';
import { SimulatedCluster } from '../SimulatedCluster';
import { startControlPlane } from './index';
import { condition, isTerminal, keyOf, Obj, setCondition } from './util';

export interface FakeKubeletOptions {
  /** Images whose containers never become Ready. */
  unready?: Set<string>;
  /** Images whose pods fail (phase Failed) once started. */
  failing?: Set<string>;
  /** Images whose pods succeed (phase Succeeded) once started. */
  succeeding?: Set<string>;
}

export interface Harness {
  clock: VirtualClock;
  store: ObjectStore;
  ctx: SimContext;
  cluster: SimulatedCluster;
  kubelet: FakeKubeletOptions;
  /** CPU cores each pod's container uses (default 0.05), by pod name prefix. */
  cpu: Map<string, number>;
  run(ms: number): Promise<void>;
  apply(manifest: KubeObject): KubeObject;
  pods(namespace?: string): Obj[];
  events(reason?: string): Obj[];
  get(resource: string, namespace: string | undefined, name: string): Obj;
  stop(): void;
}

const BASE_YAML = `version: 1
id: inline
title: inline
`;

/** A scenario fragment with these objects (JSON is YAML) and nodes. */
export function objects(list: unknown[], nodes?: unknown[]): string {
  const nodeText = nodes ? `  nodes: ${JSON.stringify(nodes)}\n` : '';
  return `cluster:\n${nodeText}  objects: ${JSON.stringify(list)}\n`;
}

/** A Deployment manifest. */
export function deploymentManifest(
  name: string,
  image: string,
  options: {
    replicas?: number;
    namespace?: string;
    spec?: Obj;
    podSpec?: Obj;
    cpu?: string;
  } = {},
): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: options.namespace ?? 'default' },
    spec: {
      replicas: options.replicas ?? 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name,
              image,
              resources: {
                requests: { cpu: options.cpu ?? '100m', memory: '64Mi' },
              },
            },
          ],
          ...(options.podSpec ?? {}),
        },
      },
      ...(options.spec ?? {}),
    },
  };
}

/** Builds a scenario from a YAML fragment (cluster/timeline/images). */
export function scenario(yaml: string): Scenario {
  return parseScenario(BASE_YAML + yaml, 'inline.yaml');
}

export async function startHarness(
  yaml: string,
  kubelet: FakeKubeletOptions = {},
): Promise<Harness> {
  const sc = scenario(yaml);
  const clock = new VirtualClock({ start: SCENARIO_EPOCH });
  const cpu = new Map<string, number>();
  // A SimulatedCluster for its node objects, steps and apply; its own
  // kubelets are replaced by the fake below.
  const cluster = new SimulatedCluster({ scenario: sc, clock });
  const store = cluster.store;
  const ctx = cluster.context;
  ctx.metrics = { podUsage: (ns, name) => usage(store, cpu, ns, name) };
  for (const name of ['default', 'kube-system', 'kube-public']) {
    store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
  createNodes(cluster, sc);
  const plane = startControlPlane(ctx);
  const stopKubelet = startFakeKubelet(ctx, kubelet);
  for (const object of sc.cluster.objects) cluster.applyObject(object);
  await clock.advanceBy(0);
  ctx.warmStart = false;
  for (const step of sc.timeline) {
    clock.setTimer(cluster.startTime + step.at, () => cluster.runStep(step));
  }
  return {
    clock,
    store,
    ctx,
    cluster,
    kubelet,
    cpu,
    run: ms => clock.advanceTo(cluster.startTime + ms),
    apply: m => cluster.applyObject(m),
    pods: ns => store.list('pods', ns ? { namespace: ns } : {}).items as Obj[],
    events: reason =>
      (store.list('events').items as Obj[])
        .filter(e => !reason || e.reason === reason)
        .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name)),
    get: (resource, ns, name) => store.get(resource, ns, name) as Obj,
    stop: () => {
      plane.stop();
      stopKubelet();
    },
  };
}

function createNodes(cluster: SimulatedCluster, sc: Scenario): void {
  const now = new Date(cluster.clock.now()).toISOString();
  for (const node of sc.cluster.nodes) {
    const capacity = {
      cpu: node.capacity.cpu,
      memory: node.capacity.memory,
      pods: node.capacity.pods,
    };
    cluster.store.create({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: node.name, labels: { ...node.labels } },
      spec: node.taints.length
        ? { taints: node.taints.map(t => ({ ...t })) }
        : {},
      status: {
        capacity,
        allocatable: capacity,
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'KubeletReady',
            lastTransitionTime: now,
          },
        ],
      },
    });
  }
}

function usage(
  store: ObjectStore,
  cpu: Map<string, number>,
  ns: string,
  name: string,
): ContainerUsage[] | undefined {
  const pod = store.tryGet('pods', ns, name) as Obj | undefined;
  if (!pod || pod.status?.phase !== 'Running') return undefined;
  let cores = 0.05;
  for (const [prefix, value] of cpu) if (name.startsWith(prefix)) cores = value;
  return (pod.spec?.containers ?? []).map((c: Obj) => ({
    name: c.name,
    cpu: cores,
    memory: 64 * 2 ** 20,
  }));
}

function nodeReady(store: ObjectStore, name: string): boolean {
  const node = store.tryGet('nodes', undefined, name);
  return !!node && condition(node, 'Ready')?.status === 'True';
}

let ipCounter = 0;

function startFakeKubelet(
  ctx: SimContext,
  options: FakeKubeletOptions,
): () => void {
  const { store, clock } = ctx;
  const pending = new Set<string>();
  let timer: { id: number } | undefined;
  const syncPod = (key: string) => {
    const [ns, name] = key.split('/');
    const pod = store.tryGet('pods', ns, name) as Obj | undefined;
    const node = pod?.spec?.nodeName;
    if (!pod || !node || !nodeReady(store, node)) return;
    if (pod.metadata.deletionTimestamp) {
      store.delete('pods', ns, name, { gracePeriodSeconds: 0 });
      return;
    }
    if (isTerminal(pod as KubeObject)) return;
    const images: string[] = (pod.spec?.containers ?? []).map(
      (c: Obj) => c.image,
    );
    const now = clock.now();
    let phase = 'Running';
    if (images.some(i => options.failing?.has(i))) phase = 'Failed';
    else if (images.some(i => options.succeeding?.has(i))) phase = 'Succeeded';
    const ready =
      phase === 'Running' && !images.some(i => options.unready?.has(i));
    const status = { ...(pod.status ?? {}) };
    status.phase = phase;
    status.podIP ??= `10.244.0.${(ipCounter++ % 250) + 2}`;
    status.hostIP = '10.0.0.1';
    status.startTime ??= new Date(now).toISOString().replace(/\.\d+Z$/, 'Z');
    for (const type of ['Initialized', 'ContainersReady', 'Ready']) {
      const value = type === 'Initialized' || ready ? 'True' : 'False';
      status.conditions = setCondition(
        status.conditions,
        { type, status: value },
        now,
      );
    }
    status.containerStatuses = (pod.spec?.containers ?? []).map((c: Obj) => ({
      name: c.name,
      image: c.image,
      ready,
      restartCount: 0,
      started: phase === 'Running',
      state:
        phase === 'Running'
          ? { running: {} }
          : { terminated: { exitCode: phase === 'Failed' ? 1 : 0 } },
    }));
    if (JSON.stringify(status) !== JSON.stringify(pod.status)) {
      store.updateStatus({ ...pod, status } as KubeObject);
    }
  };
  const run = () => {
    timer = undefined;
    const keys = [...pending];
    pending.clear();
    for (const key of keys) syncPod(key);
  };
  const schedule = (key: string) => {
    pending.add(key);
    timer ??= clock.setTimeout(run, 0);
  };
  const stopPods = store.watch('pods', {}, e => {
    if (e.type !== 'DELETED') schedule(keyOf(e.object));
  });
  const stopNodes = store.watch('nodes', {}, e => {
    if (e.type === 'DELETED' || !nodeReady(store, e.object.metadata!.name!))
      return;
    for (const pod of store.list('pods').items as Obj[]) {
      if (pod.spec?.nodeName === e.object.metadata?.name) schedule(keyOf(pod));
    }
  });
  return () => {
    stopPods();
    stopNodes();
  };
}
