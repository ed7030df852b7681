/**
 * The node agents: one kubelet per Node, reacting to the pods bound to it
 * (watching the store like a real kubelet), plus the cluster-wide pieces
 * that a real cluster keeps outside the API (traffic split, usage). Work
 * caused by a change is batched into one flush per virtual instant.
 */
import type { KubeObject, WatchEvent } from '../../api/types';
import type { ImageBehaviour } from '../../scenario';
import type { NodeAgents } from '../components';
import type { ContainerUsage, SimContext } from '../context';
import { EventType, involvedObjectOf } from '../events';
import { workloadOf } from '../refs';
import type { ContainerRuntime } from './container';
import { Obj } from './format';
import type { KubeletHost, Timer } from './host';
import { createLogProvider } from './logProvider';
import { evictionVictim } from './eviction';
import { exposition } from './metrics/exposition';
import { createMetricsProvider, podUsage } from './metrics/metricsApi';
import { NodeRuntime } from './node';
import { PodOwner, PodRuntime } from './pod';
import { ServiceHealth } from './services';
import { podStatus } from './status';

const EVICTION_INTERVAL_MS = 10_000;
/** Bounds the rounds of one flush (e.g. oscillating dependencies). */
const MAX_FLUSH_ROUNDS = 50;

function keyOf(obj: Obj): string {
  return `${obj.metadata?.namespace}/${obj.metadata?.name}`;
}

function readySignature(obj: Obj): string {
  const ready = (obj.status?.conditions ?? []).some(
    (c: Obj) => c.type === 'Ready' && c.status === 'True',
  );
  return `${ready}|${!!obj.metadata?.deletionTimestamp}|${JSON.stringify(
    obj.metadata?.labels ?? {},
  )}`;
}

export class Kubelets implements PodOwner, KubeletHost, NodeAgents {
  readonly host: KubeletHost = this;
  readonly nodes = new Map<string, NodeRuntime>();
  readonly pods = new Map<string, PodRuntime>();
  private readonly byNamespace = new Map<string, Set<PodRuntime>>();
  private readonly workloads = new Map<string, Set<PodRuntime>>();
  private readonly signatures = new Map<string, string>();
  private readonly serviceDependents = new Map<string, Set<ContainerRuntime>>();
  private readonly configDependents = new Map<string, Set<ContainerRuntime>>();
  private readonly services: ServiceHealth;
  private readonly unwatch: Array<() => void> = [];
  private readonly timers = new Set<Timer>();
  private nodeCount = 0;
  private stopped = false;

  private readonly dirtyPods = new Set<PodRuntime>();
  private readonly dirtyNodes = new Set<NodeRuntime>();
  private readonly dirtyWorkloads = new Set<string>();
  private readonly dirtyNamespaces = new Set<string>();
  private readonly dirtyContainers = new Set<ContainerRuntime>();
  private readonly deletions = new Set<PodRuntime>();
  private allBehaviourDirty = false;
  private flushTimer?: Timer;

  readonly logs = createLogProvider(this);
  readonly metricsApi = createMetricsProvider(this);

  constructor(readonly ctx: SimContext) {
    this.services = new ServiceHealth(ctx.store, ns => this.podsIn(ns));
    const store = ctx.store;
    this.unwatch.push(store.watch('nodes', {}, e => this.onNode(e)));
    this.unwatch.push(store.watch('pods', {}, e => this.onPod(e)));
    this.unwatch.push(store.watch('services', {}, e => this.onService(e)));
    this.unwatch.push(store.watch('secrets', {}, e => this.onConfig(e)));
    this.unwatch.push(store.watch('configmaps', {}, e => this.onConfig(e)));
    this.unwatch.push(
      store.watch('persistentvolumeclaims', {}, e => this.onClaim(e)),
    );
    this.unwatch.push(
      ctx.overrides.onChange(() => {
        this.allBehaviourDirty = true;
        for (const w of this.workloads.keys()) {
          this.dirtyWorkloads.add(w);
        }
        this.requestFlush();
      }),
    );
    this.unwatch.push(
      ctx.overrides.onLog((workload, lines) => this.writeLog(workload, lines)),
    );
  }

  // ------------------------------------------------------ KubeletHost

  now(): number {
    return this.ctx.clock.now();
  }

  timer(at: number, fn: () => void): Timer {
    const clock = this.ctx.clock;
    const ref: { handle?: ReturnType<typeof clock.setTimer> } = {};
    const timer: Timer = {
      cancel: () => {
        this.timers.delete(timer);
        clock.clear(ref.handle);
      },
    };
    ref.handle = clock.setTimer(at, () => {
      this.timers.delete(timer);
      if (!this.stopped) {
        fn();
      }
    });
    this.timers.add(timer);
    return timer;
  }

  podEvent(
    pod: Obj,
    type: EventType,
    reason: string,
    message: string,
    fieldPath?: string,
  ): void {
    this.ctx.events.record(
      involvedObjectOf(pod as KubeObject, fieldPath),
      type,
      reason,
      message,
      { component: 'kubelet', host: pod.spec?.nodeName },
    );
  }

  nodeEvent(
    node: string,
    type: EventType,
    reason: string,
    message: string,
  ): void {
    const obj = this.nodes.get(node)?.obj;
    const involved = obj
      ? involvedObjectOf(obj as KubeObject)
      : { kind: 'Node', name: node };
    this.ctx.events.record(
      { ...involved, uid: node, namespace: undefined },
      type,
      reason,
      message,
      { component: 'kubelet', host: node },
    );
  }

  warm(): boolean {
    return this.ctx.warmStart;
  }

  image(image: string): ImageBehaviour | undefined {
    return this.ctx.overrides.imageBehaviour(image);
  }

  serviceDown(namespace: string, name: string): boolean {
    return this.services.isDown(namespace, name);
  }

  isBlocked(workload: string, target: string): boolean {
    return this.ctx.overrides.isBlocked(workload, target);
  }

  imagePresent(node: string, image: string): boolean {
    return this.nodes.get(node)?.images.has(image) ?? false;
  }

  markImagePresent(node: string, image: string): void {
    this.nodes.get(node)?.images.add(image);
  }

  // --------------------------------------------------------- PodOwner

  podChanged(pod: PodRuntime): void {
    this.dirtyPods.add(pod);
    this.dirtyNodes.add(pod.node as NodeRuntime);
    this.requestFlush();
  }

  trackDependencies(
    c: ContainerRuntime,
    services: string[],
    config: boolean,
    pod: PodRuntime,
  ): void {
    for (const key of services) {
      addTo(this.serviceDependents, key, c);
    }
    if (config) {
      addTo(this.configDependents, pod.namespace, c);
    }
  }

  // ----------------------------------------------------------- watches

  private onNode(event: WatchEvent): void {
    const obj = event.object as Obj;
    const name = obj.metadata?.name as string;
    let node = this.nodes.get(name);
    if (event.type === 'DELETED') {
      if (node) {
        this.removeNode(node);
      }
      return;
    }
    if (!node) {
      node = new NodeRuntime(name, obj, this.nodeCount++);
      this.nodes.set(name, node);
      this.adoptPendingPods(node);
    }
    node.obj = obj;
    this.syncNodeState(node);
    this.dirtyNodes.add(node);
    this.requestFlush();
  }

  private onPod(event: WatchEvent): void {
    const obj = event.object as Obj;
    const key = keyOf(obj);
    const signature = readySignature(obj);
    if (this.signatures.get(key) !== signature || event.type === 'DELETED') {
      this.dirtyNamespaces.add(obj.metadata?.namespace);
      this.requestFlush();
    }
    if (event.type === 'DELETED') {
      this.signatures.delete(key);
      const pod = this.pods.get(key);
      if (pod && pod.uid === obj.metadata?.uid) {
        this.forget(pod);
      }
      return;
    }
    this.signatures.set(key, signature);
    let pod = this.pods.get(key);
    if (pod && pod.uid !== obj.metadata?.uid) {
      this.forget(pod);
      pod = undefined;
    }
    if (!pod && obj.metadata?.deletionTimestamp) {
      // Deleted before it ran (or after the kubelet let it go).
      this.removeFromStore(obj);
      return;
    }
    if (!pod) {
      pod = this.admit(obj);
    }
    if (!pod) {
      return;
    }
    pod.obj = obj;
    if (obj.metadata?.deletionTimestamp) {
      this.deletions.add(pod);
      this.requestFlush();
    }
  }

  private onService(event: WatchEvent): void {
    this.dirtyNamespaces.add(event.object.metadata?.namespace ?? 'default');
    this.requestFlush();
  }

  private onConfig(event: WatchEvent): void {
    const ns = event.object.metadata?.namespace ?? 'default';
    for (const c of this.configDependents.get(ns) ?? []) {
      this.dirtyContainers.add(c);
    }
    this.requestFlush();
  }

  private onClaim(event: WatchEvent): void {
    const ns = event.object.metadata?.namespace ?? 'default';
    for (const pod of this.podsIn(ns)) {
      pod.retryVolumes();
    }
  }

  // -------------------------------------------------------------- pods

  private podsIn(namespace: string): Iterable<PodRuntime> {
    return this.byNamespace.get(namespace) ?? [];
  }

  /** Starts running a pod bound to one of the nodes. */
  private admit(obj: Obj): PodRuntime | undefined {
    const nodeName = obj.spec?.nodeName;
    const node = nodeName ? this.nodes.get(nodeName) : undefined;
    if (!node) {
      return undefined;
    }
    const phase = obj.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      return undefined;
    }
    const ip = obj.spec?.hostNetwork ? node.address : node.nextPodIp();
    const workload = workloadOf(this.ctx.store, obj as KubeObject);
    const pod = new PodRuntime(obj, node, ip, workload, this);
    this.pods.set(pod.key, pod);
    node.pods.add(pod);
    addTo(this.byNamespace, pod.namespace, pod);
    addTo(this.workloads, workload, pod);
    this.dirtyWorkloads.add(workload);
    this.dirtyPods.add(pod);
    this.requestFlush();
    if (node.frozen) {
      // A NotReady node's kubelet starts nothing until it returns.
      pod.freeze(this.now());
      return pod;
    }
    pod.start();
    return pod;
  }

  private adoptPendingPods(node: NodeRuntime): void {
    for (const obj of this.ctx.store.list('pods').items as Obj[]) {
      if (obj.spec?.nodeName === node.name && !this.pods.has(keyOf(obj))) {
        this.admit(obj);
      }
    }
  }

  /** Stops a pod's containers and drops it from every index. */
  private forget(pod: PodRuntime): void {
    pod.stop();
    this.pods.delete(pod.key);
    this.nodes.get(pod.nodeName)?.pods.delete(pod);
    this.byNamespace.get(pod.namespace)?.delete(pod);
    this.workloads.get(pod.workload)?.delete(pod);
    this.dirtyWorkloads.add(pod.workload);
    this.dirtyPods.delete(pod);
    this.deletions.delete(pod);
    for (const c of pod.allContainers) {
      this.dirtyContainers.delete(c);
      for (const set of this.serviceDependents.values()) {
        set.delete(c);
      }
      this.configDependents.get(pod.namespace)?.delete(c);
    }
    this.dirtyNodes.add(pod.node as NodeRuntime);
    this.requestFlush();
  }

  /** Removes a deleted pod for good once its containers are stopped. */
  private finishDeletion(pod: PodRuntime): void {
    if (pod.frozen) {
      pod.terminating = true;
      return;
    }
    this.forget(pod);
    this.removeFromStore(pod.obj);
  }

  private removeFromStore(obj: Obj): void {
    const node = obj.spec?.nodeName && this.nodes.get(obj.spec.nodeName);
    if (node && node.frozen) {
      return;
    }
    try {
      this.ctx.store.delete(
        'pods',
        obj.metadata?.namespace,
        obj.metadata?.name,
        {
          gracePeriodSeconds: 0,
          preconditions: { uid: obj.metadata?.uid },
        },
      );
    } catch {
      // Already gone, or finalizers keep it: nothing left for the kubelet.
    }
  }

  private writeLog(workload: string, lines: string[]): void {
    for (const pod of this.workloads.get(workload) ?? []) {
      for (const c of pod.allContainers) {
        c.appendLog(lines);
      }
    }
  }

  // ------------------------------------------------------------- nodes

  private syncNodeState(node: NodeRuntime): void {
    const now = this.now();
    const shouldFreeze = !node.ready;
    if (shouldFreeze && !node.frozen) {
      node.frozen = true;
      node.frozenAt = now;
      for (const pod of node.pods) {
        pod.freeze(now);
        this.dirtyWorkloads.add(pod.workload);
      }
    } else if (!shouldFreeze && node.frozen) {
      node.frozen = false;
      node.frozenAt = undefined;
      for (const pod of [...node.pods]) {
        pod.resume(now);
        this.dirtyPods.add(pod);
        this.dirtyWorkloads.add(pod.workload);
        if (pod.terminating || pod.obj.metadata?.deletionTimestamp) {
          this.deletions.add(pod);
        }
      }
    }
    this.syncEviction(node);
  }

  private syncEviction(node: NodeRuntime): void {
    const active = !node.frozen && node.pressures.length > 0;
    if (!active) {
      node.evictTimer?.cancel();
      node.evictTimer = undefined;
      return;
    }
    if (!node.evictTimer) {
      node.evictTimer = this.timer(this.now(), () => this.evictLoop(node));
    }
  }

  private evictLoop(node: NodeRuntime): void {
    node.evictTimer = undefined;
    if (
      node.frozen ||
      node.pressures.length === 0 ||
      !this.nodes.has(node.name)
    ) {
      return;
    }
    const victim = evictionVictim(node, node.pressures[0], this.now());
    if (victim) {
      victim.pod.evict(victim.message);
      this.podEvent(victim.pod.obj, 'Warning', 'Evicted', victim.message);
      this.dirtyWorkloads.add(victim.pod.workload);
    }
    node.evictTimer = this.timer(this.now() + EVICTION_INTERVAL_MS, () =>
      this.evictLoop(node),
    );
  }

  private removeNode(node: NodeRuntime): void {
    node.evictTimer?.cancel();
    this.nodes.delete(node.name);
    for (const pod of [...node.pods]) {
      this.forget(pod);
      this.removeFromStore(pod.obj);
    }
    this.dirtyNodes.delete(node);
  }

  // ------------------------------------------------------------- flush

  private requestFlush(): void {
    if (!this.flushTimer && !this.stopped) {
      this.flushTimer = this.timer(this.now(), () => this.flush());
    }
  }

  /** Applies every pending change, in dependency order, at this instant. */
  flush(): void {
    this.flushTimer?.cancel();
    this.flushTimer = undefined;
    for (let round = 0; round < MAX_FLUSH_ROUNDS; round++) {
      if (!this.flushRound()) {
        return;
      }
    }
    // Still changing (oscillating dependencies): continue at the next tick.
    this.requestFlush();
  }

  private flushRound(): boolean {
    let worked = false;
    for (const pod of take(this.deletions)) {
      worked = true;
      this.finishDeletion(pod);
    }
    for (const ns of take(this.dirtyNamespaces)) {
      worked = true;
      for (const key of this.services.refresh(ns)) {
        for (const c of this.serviceDependents.get(key) ?? []) {
          this.dirtyContainers.add(c);
        }
      }
    }
    if (this.allBehaviourDirty) {
      this.allBehaviourDirty = false;
      for (const pod of this.pods.values()) {
        pod.allContainers.forEach(c => this.dirtyContainers.add(c));
      }
    }
    for (const c of take(this.dirtyContainers)) {
      worked = true;
      c.refresh();
    }
    for (const pod of take(this.dirtyPods)) {
      worked = true;
      this.refreshReadiness(pod);
    }
    for (const w of take(this.dirtyWorkloads)) {
      worked = true;
      this.recomputeTraffic(w);
    }
    const now = this.now();
    for (const node of take(this.dirtyNodes)) {
      worked = true;
      if (node && this.nodes.has(node.name) && !node.frozen) {
        node.recomputeCpu(now);
      }
    }
    for (const pod of take(this.toWrite)) {
      worked = true;
      this.writeStatus(pod);
    }
    return worked;
  }

  private readonly toWrite = new Set<PodRuntime>();

  private refreshReadiness(pod: PodRuntime): void {
    const ready = pod.computeReady();
    if (ready !== pod.ready) {
      pod.ready = ready;
      this.dirtyWorkloads.add(pod.workload);
    }
    this.dirtyNodes.add(pod.node as NodeRuntime);
    this.toWrite.add(pod);
  }

  /** Splits the workload's traffic over its Ready pods. */
  private recomputeTraffic(workload: string): void {
    const pods = [...(this.workloads.get(workload) ?? [])];
    const serving = pods.filter(
      p => p.ready && !p.frozen && !p.obj.metadata?.deletionTimestamp,
    );
    const newest = [...serving].sort(
      (a, b) =>
        String(b.obj.metadata?.creationTimestamp).localeCompare(
          String(a.obj.metadata?.creationTimestamp),
        ) || a.name.localeCompare(b.name),
    );
    const traffic =
      newest
        .map(p => p.trafficContainer()?.behaviour.traffic)
        .find(t => t !== undefined) ?? 0;
    const multiplier = this.ctx.overrides.trafficMultiplier(workload);
    const share = serving.length ? (traffic * multiplier) / serving.length : 0;
    for (const pod of pods) {
      const rps = serving.includes(pod) ? share : 0;
      if (rps !== pod.rps) {
        pod.rps = rps;
        this.dirtyNodes.add(pod.node as NodeRuntime);
      }
    }
  }

  private writeStatus(pod: PodRuntime): void {
    const node = this.nodes.get(pod.nodeName);
    if (!node || node.frozen || !this.pods.has(pod.key)) {
      return;
    }
    const current = this.ctx.store.tryGet('pods', pod.namespace, pod.name) as
      | Obj
      | undefined;
    if (!current || current.metadata?.uid !== pod.uid) {
      return;
    }
    pod.obj = current;
    const status = podStatus(pod, node.address, this.now());
    if (JSON.stringify(status) === JSON.stringify(current.status ?? {})) {
      return;
    }
    pod.obj = this.ctx.store.updateStatus({
      ...current,
      status,
    } as KubeObject) as Obj;
  }

  // ---------------------------------------------------------- NodeAgents

  podUsage(namespace: string, name: string): ContainerUsage[] | undefined {
    const pod = this.pods.get(`${namespace}/${name}`);
    return pod ? podUsage(pod, this.now()) : undefined;
  }

  exposition(): string {
    return exposition(this);
  }

  stop(): void {
    this.stopped = true;
    for (const off of this.unwatch.splice(0)) {
      off();
    }
    for (const timer of [...this.timers]) {
      timer.cancel();
    }
    for (const pod of this.pods.values()) {
      pod.stop();
    }
  }
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(value);
}

/** Empties a set and returns what it held (items added later stay). */
function take<T>(set: Set<T>): T[] {
  const items = [...set];
  set.clear();
  return items;
}
