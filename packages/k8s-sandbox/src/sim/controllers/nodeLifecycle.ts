/**
 * Node lifecycle: 40s after a node's Ready condition stops being True it
 * gets the `unreachable` (or `not-ready`) NoSchedule and NoExecute taints
 * and its pods turn Ready=False; the taint-based eviction then marks pods
 * for deletion when their toleration runs out (300s by default). Taints go
 * when the node is Ready again. Pods of a deleted node are removed (pod GC).
 */
import type { TimerHandle } from '../../clock';
import type { KubeObject } from '../../api/types';
import { Env, Loop, recordEvent } from './env';
import { Taint, taintsOf, toleratesTaint } from './predicates';
import {
  condition,
  isTerminal,
  keyOf,
  nameOf,
  Obj,
  parseTime,
  setCondition,
  timestamp,
} from './util';
import { WorkQueue } from './workqueue';

const GRACE_MS = 40_000;
const UNREACHABLE = 'node.kubernetes.io/unreachable';
const NOT_READY = 'node.kubernetes.io/not-ready';
const COMPONENT = 'node-controller';
const EVICTION_COMPONENT = 'taint-eviction-controller';

class NodeLifecycle implements Loop {
  private readonly nodes: WorkQueue;
  private readonly notReadySince = new Map<string, number>();
  private readonly podsMarked = new Set<string>();
  private readonly evictions = new Map<
    string,
    { at: number; timer: TimerHandle }
  >();
  private readonly firstSeen = new Map<string, number>();

  constructor(private readonly env: Env) {
    const { inf, ctx } = env;
    this.nodes = new WorkQueue(ctx.clock, 'node-lifecycle', name =>
      this.syncNode(name),
    );
    inf.nodes.onChange((_t, node) => this.nodes.add(nameOf(node)));
    inf.pods.onChange((type, pod, old) => {
      if (type === 'DELETED') {
        this.cancelEviction(keyOf(pod));
        this.podsMarked.delete(keyOf(pod));
        return;
      }
      // A pod newly bound to a tainted node gets its own eviction time.
      const node = (pod as Obj).spec?.nodeName;
      const tainted = (n: string) =>
        taintsOf(inf.nodes.get(undefined, n)).some(
          t => t.effect === 'NoExecute',
        );
      if (node && !(old as Obj | undefined)?.spec?.nodeName && tainted(node)) {
        ctx.clock.setTimeout(() => this.scheduleEvictions(node, [pod]), 0);
      }
    });
    for (const node of inf.nodes.items.values()) this.nodes.add(nameOf(node));
  }

  stop(): void {
    this.nodes.stop();
    for (const { timer } of this.evictions.values())
      this.env.ctx.clock.clear(timer);
  }

  private get now(): number {
    return this.env.ctx.clock.now();
  }

  private syncNode(name: string): number | undefined {
    const node = this.env.ctx.store.tryGet('nodes', undefined, name) as
      | Obj
      | undefined;
    if (!node) {
      this.collectPods(name);
      this.notReadySince.delete(name);
      return undefined;
    }
    const ready = condition(node, 'Ready');
    let requeue: number | undefined;
    if (ready?.status === 'True') {
      this.notReadySince.delete(name);
      this.setUnreadyTaints(node, undefined);
    } else {
      requeue = this.handleNotReady(node, ready);
    }
    this.scheduleEvictions(name);
    return requeue;
  }

  private handleNotReady(
    node: Obj,
    ready: Obj | undefined,
  ): number | undefined {
    const name = node.metadata.name;
    let since = this.notReadySince.get(name);
    if (since === undefined) {
      since = this.now;
      this.notReadySince.set(name, since);
      recordEvent(
        this.env,
        node,
        'Normal',
        'NodeNotReady',
        `Node ${name} status is now: NodeNotReady`,
        COMPONENT,
      );
    }
    const due = since + GRACE_MS;
    if (this.now < due) return due - this.now;
    this.setUnreadyTaints(
      node,
      ready?.status === 'False' ? NOT_READY : UNREACHABLE,
    );
    this.markPodsNotReady(name);
    return undefined;
  }

  /** Sets (or with `key` undefined removes) the unreachable/not-ready taints. */
  private setUnreadyTaints(node: Obj, key: string | undefined): void {
    const taints = taintsOf(node);
    const others = taints.filter(
      t => t.key !== UNREACHABLE && t.key !== NOT_READY,
    );
    const wanted: Taint[] = key
      ? [
          { key, effect: 'NoSchedule' },
          { key, effect: 'NoExecute', timeAdded: timestamp(this.now) },
        ]
      : [];
    const existing = taints.filter(t => t.key === key);
    if (key && existing.length === 2) return;
    if (!key && others.length === taints.length) return;
    const next = [...others, ...wanted];
    const latest = this.env.ctx.store.get(
      'nodes',
      undefined,
      node.metadata.name,
    ) as Obj;
    const spec = { ...latest.spec, taints: next };
    if (next.length === 0) delete spec.taints;
    this.env.ctx.store.update({ ...latest, spec } as KubeObject);
  }

  private markPodsNotReady(nodeName: string): void {
    const { store } = this.env.ctx;
    for (const pod of this.env.inf.pods.onNode(nodeName)) {
      const key = keyOf(pod);
      if (isTerminal(pod) || this.podsMarked.has(key)) continue;
      this.podsMarked.add(key);
      const current = store.tryGet(
        'pods',
        pod.metadata?.namespace,
        nameOf(pod),
      ) as Obj | undefined;
      if (!current) continue;
      const status = { ...(current.status ?? {}) };
      if (condition(current, 'Ready')?.status !== 'False') {
        status.conditions = setCondition(
          status.conditions,
          { type: 'Ready', status: 'False' },
          this.now,
        );
        store.updateStatus({ ...current, status } as KubeObject);
      }
      recordEvent(
        this.env,
        current,
        'Warning',
        'NodeNotReady',
        'Node is not ready',
        COMPONENT,
      );
    }
  }

  /** Pod GC: pods bound to a node that no longer exists are removed. */
  private collectPods(nodeName: string): void {
    const { store } = this.env.ctx;
    for (const pod of this.env.inf.pods.onNode(nodeName)) {
      const current = store.tryGet(
        'pods',
        pod.metadata?.namespace,
        nameOf(pod),
      ) as Obj | undefined;
      if (!current) continue;
      if (!isTerminal(current)) {
        const status = { ...(current.status ?? {}) };
        status.conditions = setCondition(
          status.conditions,
          {
            type: 'DisruptionTarget',
            status: 'True',
            reason: 'DeletionByPodGC',
            message: 'PodGC: node no longer exists',
          },
          this.now,
        );
        store.updateStatus({ ...current, status } as KubeObject);
      }
      store.delete('pods', pod.metadata?.namespace, nameOf(pod), {
        gracePeriodSeconds: 0,
      });
    }
  }

  // ------------------------------------------------- taint-based eviction

  private scheduleEvictions(nodeName: string, only?: KubeObject[]): void {
    const node = this.env.inf.nodes.get(undefined, nodeName);
    const noExecute = taintsOf(node).filter(t => t.effect === 'NoExecute');
    const pods = only ?? this.env.inf.pods.onNode(nodeName);
    for (const pod of pods) {
      const key = keyOf(pod);
      if (
        pod.metadata?.deletionTimestamp ||
        isTerminal(pod) ||
        noExecute.length === 0
      ) {
        this.cancelEviction(key);
        if (noExecute.length === 0) this.podsMarked.delete(key);
        continue;
      }
      const at = this.evictionTime(pod as Obj, noExecute);
      if (at === undefined) {
        this.cancelEviction(key);
        continue;
      }
      const existing = this.evictions.get(key);
      if (existing && existing.at <= at) continue;
      this.cancelEviction(key);
      const timer = this.env.ctx.clock.setTimer(at, () => this.evict(key));
      this.evictions.set(key, { at, timer });
    }
  }

  /** When the pod's tolerations of the NoExecute taints run out. */
  private evictionTime(pod: Obj, taints: Taint[]): number | undefined {
    let at: number | undefined;
    for (const taint of taints) {
      const matching = (pod.spec?.tolerations ?? []).filter((t: Obj) =>
        toleratesTaint(t, taint),
      );
      const added = this.taintAdded(taint);
      if (matching.length === 0) return this.now;
      const seconds = matching
        .map((t: Obj) => t.tolerationSeconds)
        .filter((s: unknown) => typeof s === 'number') as number[];
      // A toleration without tolerationSeconds tolerates forever.
      if (seconds.length < matching.length) continue;
      const when = added + Math.max(0, Math.min(...seconds)) * 1000;
      at = at === undefined ? when : Math.min(at, when);
    }
    return at === undefined ? undefined : Math.max(at, this.now);
  }

  private taintAdded(taint: Taint): number {
    const t = parseTime(taint.timeAdded);
    if (t !== undefined) return t;
    const key = `${taint.key}:${taint.value ?? ''}:${taint.effect}`;
    if (!this.firstSeen.has(key)) this.firstSeen.set(key, this.now);
    return this.firstSeen.get(key)!;
  }

  private cancelEviction(key: string): void {
    const existing = this.evictions.get(key);
    if (existing) this.env.ctx.clock.clear(existing.timer);
    this.evictions.delete(key);
  }

  private evict(key: string): void {
    this.evictions.delete(key);
    const { store } = this.env.ctx;
    const pod = this.env.inf.pods.items.get(key) as Obj | undefined;
    if (!pod || pod.metadata.deletionTimestamp) return;
    const status = { ...(pod.status ?? {}) };
    status.conditions = setCondition(
      status.conditions,
      {
        type: 'DisruptionTarget',
        status: 'True',
        reason: 'DeletionByTaintManager',
        message: 'Taint manager: deleting due to NoExecute taint',
      },
      this.now,
    );
    const current = store.tryGet(
      'pods',
      pod.metadata.namespace,
      pod.metadata.name,
    );
    if (!current) return;
    store.updateStatus({ ...current, status } as KubeObject);
    recordEvent(
      this.env,
      pod,
      'Normal',
      'TaintManagerEviction',
      `Marking for deletion Pod ${pod.metadata.namespace}/${pod.metadata.name}`,
      EVICTION_COMPONENT,
    );
    store.delete('pods', pod.metadata.namespace, pod.metadata.name);
  }
}

export function startNodeLifecycle(env: Env): Loop {
  return new NodeLifecycle(env);
}
