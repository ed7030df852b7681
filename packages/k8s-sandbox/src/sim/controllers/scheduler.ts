/**
 * The default scheduler: binds Pending pods in creation order to the best
 * feasible node, reports FailedScheduling with the real message shape, and
 * preempts lower-priority pods for higher-priority ones. Unschedulable pods
 * are retried when the cluster changes and every 10 seconds.
 */
import type { KubeObject } from '../../api/types';
import { Env, Loop, recordEvent } from './env';
import { podResources } from './pods';
import {
  addPodToNode,
  AffinityState,
  NodeInfo,
  newNodeInfo,
  nodeAffinityScore,
  nonZeroCpu,
  preferNoScheduleCount,
  removePodFromNode,
  resourceReasons,
  SpreadState,
  staticFilter,
  Verdict,
} from './schedulerFilters';
import { checkClaims } from './schedulerVolumes';
import { clone, isTerminal, keyOf, nameOf, Obj, setCondition } from './util';

const COMPONENT = 'default-scheduler';
const RETRY_MS = 10_000;
const EVENT_REPEAT_MS = 60_000;

function isSchedulable(pod: KubeObject): boolean {
  const p = pod as Obj;
  return (
    !p.spec?.nodeName &&
    !p.metadata?.deletionTimestamp &&
    !isTerminal(pod) &&
    (p.spec?.schedulerName ?? 'default-scheduler') === 'default-scheduler'
  );
}

function priorityOf(pod: Obj): number {
  return pod.spec?.priority ?? 0;
}

interface Attempt {
  message: string;
  recordedAt: number;
}

class Scheduler implements Loop {
  private readonly active = new Set<string>();
  private readonly unschedulable = new Map<string, Attempt>();
  private readonly nominated = new Map<string, string>();
  private cycle?: { id: number };
  private readonly interval: { id: number };
  private stopped = false;

  constructor(private readonly env: Env) {
    const { inf, clock } = { inf: env.inf, clock: env.ctx.clock };
    inf.pods.onChange((type, pod, old) => this.onPod(type, pod, old));
    inf.nodes.onChange(() => this.moveAllToActive());
    inf.pvcs.onChange(() => this.moveAllToActive());
    for (const pod of inf.pods.items.values()) {
      if (isSchedulable(pod)) this.activate(keyOf(pod));
    }
    this.interval = clock.setInterval(() => this.moveAllToActive(), RETRY_MS);
  }

  stop(): void {
    this.stopped = true;
    this.env.ctx.clock.clear(this.interval);
    this.env.ctx.clock.clear(this.cycle);
  }

  private onPod(
    type: string,
    pod: KubeObject,
    old: KubeObject | undefined,
  ): void {
    const key = keyOf(pod);
    if (type === 'DELETED' || !isSchedulable(pod)) {
      this.active.delete(key);
      this.unschedulable.delete(key);
      if (type === 'DELETED' || pod.metadata?.deletionTimestamp)
        this.nominated.delete(key);
    } else if (!this.unschedulable.has(key)) {
      this.activate(key);
    }
    // Freed capacity or a changed placement may let waiting pods fit.
    const wasBound = !!(old as Obj | undefined)?.spec?.nodeName;
    const freed =
      wasBound &&
      (type === 'DELETED' ||
        (isTerminal(pod) && !isTerminal(old!)) ||
        (!!pod.metadata?.deletionTimestamp &&
          !old!.metadata?.deletionTimestamp));
    const labelsChanged =
      wasBound &&
      JSON.stringify(pod.metadata?.labels) !==
        JSON.stringify(old!.metadata?.labels);
    if (freed || labelsChanged) this.moveAllToActive();
  }

  private activate(key: string): void {
    if (this.stopped) return;
    this.active.add(key);
    this.cycle ??= this.env.ctx.clock.setTimeout(() => this.runCycle(), 0);
  }

  private moveAllToActive(): void {
    for (const key of this.unschedulable.keys()) this.activate(key);
  }

  // ------------------------------------------------------------------ cycle

  private runCycle(): void {
    this.cycle = undefined;
    const { pods } = this.env.inf;
    const keys = [...this.active].sort(
      (a, b) => pods.orderOf(a) - pods.orderOf(b),
    );
    this.active.clear();
    const nodes = this.snapshot();
    for (const key of keys) {
      const pod = pods.items.get(key);
      if (!pod || !isSchedulable(pod)) continue;
      try {
        this.scheduleOne(clone(pod) as Obj, nodes);
      } catch (error) {
        // eslint-disable-next-line no-console
        console.error(`k8s-sandbox scheduler: ${key} failed`, error);
      }
    }
  }

  /** Node infos in `ctx.nodes` order, then other nodes by name. */
  private snapshot(): NodeInfo[] {
    const { inf, ctx } = this.env;
    const order = new Map(ctx.nodes.map((n, i) => [n.name, i]));
    const nodes = inf.nodes
      .list()
      .sort((a, b) => {
        const x = order.get(nameOf(a)) ?? Infinity;
        const y = order.get(nameOf(b)) ?? Infinity;
        return x === y ? nameOf(a).localeCompare(nameOf(b)) : x - y;
      })
      .map((n, i) => newNodeInfo(n as Obj, i));
    for (const info of nodes) {
      for (const p of inf.pods.onNode(info.name)) {
        if (!isTerminal(p)) addPodToNode(info, p as Obj);
      }
    }
    return nodes;
  }

  private scheduleOne(pod: Obj, nodes: NodeInfo[]): void {
    const key = keyOf(pod);
    if (nodes.length === 0) {
      this.failed(pod, 'no nodes available to schedule pods');
      return;
    }
    const claims = checkClaims(this.env, pod);
    if (claims.prefilter) {
      const n = nodes.length;
      this.failed(
        pod,
        `0/${n} nodes are available: ${claims.prefilter}. preemption: 0/${n} nodes are available: ${n} Preemption is not helpful for scheduling.`,
      );
      return;
    }
    const verdicts = new Map<NodeInfo, Verdict>();
    const feasible: NodeInfo[] = [];
    const spread = new SpreadState(pod, nodes);
    const affinity = new AffinityState(pod, nodes);
    for (const info of nodes) {
      const verdict = this.filter(pod, info, spread, affinity);
      if (verdict) verdicts.set(info, verdict);
      else feasible.push(info);
    }
    if (feasible.length > 0) {
      const best = this.pickBest(pod, feasible, nodes, spread, affinity);
      this.bind(pod, best, claims.delayed);
      return;
    }
    const message = `0/${nodes.length} nodes are available: ${histogram(
      [...verdicts.values()].map(v => v.reasons),
    )}.`;
    const preemption = this.preempt(pod, nodes, verdicts);
    this.failed(
      pod,
      preemption ? `${message} preemption: ${preemption}` : message,
    );
    this.unschedulable.set(
      key,
      this.unschedulable.get(key) ?? { message: '', recordedAt: -Infinity },
    );
  }

  private filter(
    pod: Obj,
    info: NodeInfo,
    spread: SpreadState,
    affinity: AffinityState,
  ): Verdict | undefined {
    const spec = pod.spec ?? {};
    const fixed = staticFilter(spec, info);
    if (fixed) return fixed;
    const reserved = this.reservedFor(pod, info);
    const reasons = resourceReasons(
      podResources(pod),
      info,
      reserved.requests,
      reserved.pods,
    );
    if (reasons.length > 0) return { reasons, unresolvable: false };
    return spread.filter(info) ?? affinity.filter(info);
  }

  /** Resources of higher-or-equal priority pods nominated to this node. */
  private reservedFor(
    pod: Obj,
    info: NodeInfo,
  ): { requests: Record<string, number>; pods: number } {
    const requests: Record<string, number> = {};
    let pods = 0;
    for (const [key, node] of this.nominated) {
      if (node !== info.name || key === keyOf(pod)) continue;
      const other = this.env.inf.pods.items.get(key) as Obj | undefined;
      if (
        !other ||
        !isSchedulable(other) ||
        priorityOf(other) < priorityOf(pod)
      )
        continue;
      pods++;
      for (const [k, v] of Object.entries(podResources(other)))
        requests[k] = (requests[k] ?? 0) + v;
    }
    return { requests, pods };
  }

  private pickBest(
    pod: Obj,
    feasible: NodeInfo[],
    nodes: NodeInfo[],
    spread: SpreadState,
    affinity: AffinityState,
  ): NodeInfo {
    const spec = pod.spec ?? {};
    const cpu = nonZeroCpu(pod);
    const score = (info: NodeInfo): number[] => [
      nodeAffinityScore(spec, info) + affinity.preferredScore(info, nodes),
      -spread.softScore(info),
      -preferNoScheduleCount(spec, info),
      -((info.nonZeroCpu + cpu) / Math.max(info.allocatable.cpu ?? 0, 1e-9)),
      -info.order,
    ];
    let best = feasible[0];
    let bestScore = score(best);
    for (const info of feasible.slice(1)) {
      const s = score(info);
      if (compareScores(s, bestScore) > 0) {
        best = info;
        bestScore = s;
      }
    }
    return best;
  }

  // ------------------------------------------------------------- binding

  private bind(pod: Obj, info: NodeInfo, delayedClaims: string[]): void {
    const { store } = this.env.ctx;
    const ns = pod.metadata.namespace;
    const name = pod.metadata.name;
    for (const claim of delayedClaims) {
      const pvc = store.tryGet('persistentvolumeclaims', ns, claim);
      if (
        pvc &&
        !pvc.metadata?.annotations?.['volume.kubernetes.io/selected-node']
      ) {
        store.update({
          ...pvc,
          metadata: {
            ...pvc.metadata,
            annotations: {
              ...(pvc.metadata?.annotations ?? {}),
              'volume.kubernetes.io/selected-node': info.name,
            },
          },
        });
      }
    }
    const now = this.env.ctx.clock.now();
    const current = store.get('pods', ns, name) as Obj;
    const status = { ...(current.status ?? {}) };
    status.conditions = setCondition(
      status.conditions,
      { type: 'PodScheduled', status: 'True' },
      now,
    );
    delete status.nominatedNodeName;
    store.updateStatus({ ...current, status } as KubeObject);
    const latest = store.get('pods', ns, name) as Obj;
    store.update({
      ...latest,
      spec: { ...latest.spec, nodeName: info.name },
    } as KubeObject);
    this.unschedulable.delete(keyOf(pod));
    this.nominated.delete(keyOf(pod));
    addPodToNode(info, store.get('pods', ns, name) as Obj);
    recordEvent(
      this.env,
      pod,
      'Normal',
      'Scheduled',
      `Successfully assigned ${ns}/${name} to ${info.name}`,
      COMPONENT,
    );
  }

  private failed(pod: Obj, message: string): void {
    const { store, clock } = this.env.ctx;
    const key = keyOf(pod);
    const now = clock.now();
    const previous = this.unschedulable.get(key);
    this.unschedulable.set(
      key,
      previous ?? { message: '', recordedAt: -Infinity },
    );
    const current = store.tryGet(
      'pods',
      pod.metadata.namespace,
      pod.metadata.name,
    ) as Obj | undefined;
    if (!current) return;
    const status = { ...(current.status ?? {}) };
    status.conditions = setCondition(
      status.conditions,
      {
        type: 'PodScheduled',
        status: 'False',
        reason: 'Unschedulable',
        message,
      },
      now,
    );
    const nominated = this.nominated.get(key);
    if (nominated) status.nominatedNodeName = nominated;
    if (JSON.stringify(status) !== JSON.stringify(current.status)) {
      store.updateStatus({ ...current, status } as KubeObject);
    }
    const attempt = this.unschedulable.get(key)!;
    if (
      attempt.message !== message ||
      now - attempt.recordedAt >= EVENT_REPEAT_MS
    ) {
      recordEvent(
        this.env,
        current,
        'Warning',
        'FailedScheduling',
        message,
        COMPONENT,
      );
      this.unschedulable.set(key, { message, recordedAt: now });
    }
  }

  // ----------------------------------------------------------- preemption

  /**
   * Preempts if it can; returns the `preemption:` part of the message when
   * it cannot (a successful preemption adds nothing to the message).
   */
  private preempt(
    pod: Obj,
    nodes: NodeInfo[],
    verdicts: Map<NodeInfo, Verdict>,
  ): string | undefined {
    const n = nodes.length;
    if ((pod.spec?.preemptionPolicy ?? 'PreemptLowerPriority') === 'Never') {
      return 'not eligible due to preemptionPolicy=Never.';
    }
    const nominatedNode = this.nominated.get(keyOf(pod));
    if (nominatedNode) {
      const info = nodes.find(x => x.name === nominatedNode);
      const waiting = info?.pods.some(
        p => p.metadata.deletionTimestamp && priorityOf(p) < priorityOf(pod),
      );
      if (waiting)
        return 'not eligible due to a terminating pod on the nominated node.';
    }
    const statuses: string[][] = [];
    let best: { info: NodeInfo; victims: Obj[] } | undefined;
    for (const info of nodes) {
      const verdict = verdicts.get(info);
      if (!verdict || verdict.unresolvable) {
        statuses.push(['Preemption is not helpful for scheduling']);
        continue;
      }
      const result = this.victimsOn(pod, info);
      if (!Array.isArray(result)) {
        statuses.push(result.reasons);
        continue;
      }
      if (!best || betterCandidate(result, best.victims))
        best = { info, victims: result };
    }
    if (!best) return `0/${n} nodes are available: ${histogram(statuses)}.`;
    this.evict(pod, best.info, best.victims);
    return undefined;
  }

  /** The fewest lower-priority pods whose removal lets the pod fit. */
  private victimsOn(pod: Obj, node: NodeInfo): Obj[] | { reasons: string[] } {
    const priority = priorityOf(pod);
    const potential = node.pods.filter(
      p => priorityOf(p) < priority && !p.metadata.deletionTimestamp,
    );
    if (potential.length === 0) {
      return { reasons: ['No preemption victims found for incoming pod'] };
    }
    const info: NodeInfo = {
      ...node,
      requested: { ...node.requested },
      pods: [...node.pods],
      antiPods: [...node.antiPods],
    };
    for (const p of potential) removePodFromNode(info, p);
    const reserved = this.reservedFor(pod, info);
    const misfit = () =>
      resourceReasons(
        podResources(pod),
        info,
        reserved.requests,
        reserved.pods,
      );
    const reasons = misfit();
    if (reasons.length > 0) return { reasons };
    // Reprieve as many as possible, highest priority first.
    const victims: Obj[] = [];
    for (const p of [...potential].sort(
      (a, b) => priorityOf(b) - priorityOf(a),
    )) {
      addPodToNode(info, p);
      if (misfit().length > 0) {
        removePodFromNode(info, p);
        victims.push(p);
      }
    }
    return victims;
  }

  private evict(pod: Obj, info: NodeInfo, victims: Obj[]): void {
    const { store, clock } = this.env.ctx;
    const now = clock.now();
    for (const victim of victims) {
      const current = store.tryGet(
        'pods',
        victim.metadata.namespace,
        victim.metadata.name,
      ) as Obj | undefined;
      if (!current) continue;
      const status = { ...(current.status ?? {}) };
      status.conditions = setCondition(
        status.conditions,
        {
          type: 'DisruptionTarget',
          status: 'True',
          reason: 'PreemptionByScheduler',
          message: `${COMPONENT}: preempting to accommodate a higher priority pod`,
        },
        now,
      );
      store.updateStatus({ ...current, status } as KubeObject);
      recordEvent(
        this.env,
        current,
        'Normal',
        'Preempted',
        `Preempted by pod ${pod.metadata.uid} on node ${info.name}`,
        COMPONENT,
      );
      store.delete('pods', victim.metadata.namespace, victim.metadata.name);
    }
    this.nominated.set(keyOf(pod), info.name);
  }
}

function betterCandidate(a: Obj[], b: Obj[]): boolean {
  const maxP = (v: Obj[]) => Math.max(...v.map(priorityOf));
  const sumP = (v: Obj[]) => v.reduce((s, p) => s + priorityOf(p), 0);
  if (maxP(a) !== maxP(b)) return maxP(a) < maxP(b);
  if (sumP(a) !== sumP(b)) return sumP(a) < sumP(b);
  return a.length < b.length;
}

function compareScores(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) {
    if (Math.abs(a[i] - b[i]) > 1e-12) return a[i] > b[i] ? 1 : -1;
  }
  return 0;
}

/** `2 Insufficient cpu, 1 node(s) ...`: counts per reason, sorted as strings. */
export function histogram(reasonLists: string[][]): string {
  const counts = new Map<string, number>();
  for (const reasons of reasonLists) {
    for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  }
  return [...counts.entries()]
    .map(([reason, count]) => `${count} ${reason}`)
    .sort()
    .join(', ');
}

export function startScheduler(env: Env): Loop {
  return new Scheduler(env);
}
