import {
  formatObjectRef,
  ObjectRef,
  Signal,
} from '@internal/plugin-ai-sre-common';
import { METRICS_PIPELINE } from './rules/facts';
import type { ReasoningContext, SignalGroup } from './types';

export interface GroupingOptions {
  /** Signals on a caller and its dependency this close in time are one problem. */
  causalWindowMs?: number;
  /** A group of only low/info signals becomes an incident after this long. */
  lowSeverityAfterMs?: number;
  /** Nodes that fail within this time of each other are one outage. */
  nodeOutageWindowMs?: number;
}

const ref = (r: ObjectRef) => formatObjectRef({ ...r, uid: undefined });

class UnionFind {
  private readonly parent = new Map<string, string>();
  find(x: string): string {
    let root = x;
    while (this.parent.has(root) && this.parent.get(root) !== root) {
      root = this.parent.get(root)!;
    }
    this.parent.set(x, root);
    return root;
  }
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
  }
}

/** The workloads a signal is about (its own, plus an HPA's target). */
function workloadsOf(signal: Signal): string[] {
  const out = [`${signal.cluster}|${ref(signal.workload)}`];
  const target = signal.evidence.fields.target as
    | { kind?: string; name?: string }
    | undefined;
  if (
    signal.object.kind === 'HorizontalPodAutoscaler' &&
    target?.kind &&
    target.name
  ) {
    out.push(
      `${signal.cluster}|${ref({
        kind: target.kind,
        namespace: signal.object.namespace,
        name: target.name,
      })}`,
    );
  }
  return out;
}

/** The node a signal's pod ran on, when the evidence says. */
function nodeOf(signal: Signal): string | undefined {
  if (signal.object.kind === 'Node') return signal.object.name;
  const node = signal.evidence.fields.nodeName;
  return typeof node === 'string' && node ? node : undefined;
}

/**
 * The detection agent's grouping: signals that are one problem become one
 * group. Same workload (or an autoscaler and its target); pods on a node
 * that failed or is under pressure with that node's signal; a caller and a
 * dependency it calls (inferred from the cluster or the catalog) when their
 * symptoms start close together; pods waiting for a claim with the claim.
 * A node outage that fails 500 pods is one group, not 500.
 */
export function groupSignals(
  signals: Signal[],
  context: Pick<ReasoningContext, 'dependencies'>,
  options: GroupingOptions = {},
): SignalGroup[] {
  const active = signals.filter(s => s.status === 'active');
  const uf = new UnionFind();
  const keyOf = (s: Signal) => `signal:${s.id}`;
  for (const signal of active) {
    uf.find(keyOf(signal));
    for (const workload of workloadsOf(signal))
      uf.union(keyOf(signal), `workload:${workload}`);
  }

  // Signals this close in time can be one causal chain.
  const window = options.causalWindowMs ?? 10 * 60_000;

  // Pods of a failed or pressured node belong to the node's problem.
  const nodeSignals = active.filter(s => s.object.kind === 'Node');
  for (const nodeSignal of nodeSignals) {
    const node = nodeSignal.object.name;
    const podPaths =
      (nodeSignal.evidence.fields.pods as string[] | undefined) ?? [];
    const listed = new Set(podPaths.map(p => p.split('/').pop()));
    const workloadsOnNode = new Set(
      (nodeSignal.evidence.fields.workloads as string[] | undefined) ?? [],
    );
    // A workload whose pods ran on the node (recorded by the detector, or
    // recognised by pod names when only pods are listed).
    const ranOnNode = (workload: ObjectRef) =>
      workloadsOnNode.has(
        `${workload.kind}/${workload.namespace}/${workload.name}`,
      ) ||
      podPaths.some(path => {
        const [namespace, pod] = path.includes('/')
          ? path.split('/')
          : [undefined, path];
        return (
          (!namespace || namespace === workload.namespace) &&
          pod !== undefined &&
          pod.startsWith(`${workload.name}-`)
        );
      });
    // Callers of a workload that ran on a failed node lose it with the
    // node, before the workload's own (debounced) signals show.
    const failed = nodeSignal.detector === 'node-not-ready';
    const callersOfNode = new Set(
      failed
        ? context.dependencies
            .filter(
              l => l.cluster === nodeSignal.cluster && l.to.some(ranOnNode),
            )
            .map(l => ref(l.from))
        : [],
    );
    for (const signal of active) {
      if (signal === nodeSignal || signal.cluster !== nodeSignal.cluster)
        continue;
      if (
        nodeOf(signal) === node ||
        (signal.object.kind === 'Pod' && listed.has(signal.object.name)) ||
        (signal.object.kind !== 'Pod' && ranOnNode(signal.workload)) ||
        // Replacements of the node's pods that cannot be placed elsewhere.
        (failed &&
          signal.object.kind === 'Pod' &&
          ranOnNode(signal.workload) &&
          Date.parse(signal.firstSeen) >= Date.parse(nodeSignal.firstSeen) &&
          Date.parse(signal.firstSeen) - Date.parse(nodeSignal.firstSeen) <=
            window) ||
        (callersOfNode.has(ref(signal.workload)) &&
          Date.parse(signal.firstSeen) >= Date.parse(nodeSignal.firstSeen) &&
          Date.parse(signal.firstSeen) - Date.parse(nodeSignal.firstSeen) <=
            window)
      ) {
        uf.union(keyOf(nodeSignal), keyOf(signal));
      }
    }
  }

  // Nodes that fail together are one outage (a zone, a pool, a network
  // partition), not one incident per node.
  const failedNodes = nodeSignals
    .filter(s => s.detector === 'node-not-ready')
    .sort((a, b) => Date.parse(a.firstSeen) - Date.parse(b.firstSeen));
  const together = options.nodeOutageWindowMs ?? 2 * 60_000;
  for (let i = 1; i < failedNodes.length; i++) {
    const previous = failedNodes[i - 1];
    const node = failedNodes[i];
    if (
      node.cluster === previous.cluster &&
      Date.parse(node.firstSeen) - Date.parse(previous.firstSeen) <= together
    ) {
      uf.union(keyOf(previous), keyOf(node));
    }
  }

  // Pods waiting for a claim belong to the claim's problem.
  for (const claim of active.filter(
    s => s.object.kind === 'PersistentVolumeClaim',
  )) {
    for (const signal of active) {
      const volumes = signal.evidence.fields.volumes as string[] | undefined;
      if (
        signal.cluster === claim.cluster &&
        signal.object.namespace === claim.object.namespace &&
        volumes?.includes(claim.object.name)
      ) {
        uf.union(keyOf(claim), keyOf(signal));
      }
    }
  }

  // Autoscalers that cannot read their metrics belong to the problem of a
  // failing metrics pipeline (the well-known add-ons that serve the
  // resource or custom metrics APIs).
  const pipeline = active.filter(s => METRICS_PIPELINE.test(s.workload.name));
  for (const blind of active.filter(
    s =>
      s.object.kind === 'HorizontalPodAutoscaler' &&
      s.reason !== 'AtMaxReplicas' &&
      /metric/i.test(`${s.reason} ${s.message}`),
  )) {
    for (const signal of pipeline) {
      if (signal.cluster === blind.cluster)
        uf.union(keyOf(blind), keyOf(signal));
    }
  }

  // A caller's symptoms and its dependency's, close in time: one causal chain.
  const byWorkload = new Map<string, Signal[]>();
  for (const signal of active) {
    for (const workload of workloadsOf(signal)) {
      byWorkload.set(workload, [...(byWorkload.get(workload) ?? []), signal]);
    }
  }
  for (const link of context.dependencies) {
    const callers = byWorkload.get(`${link.cluster}|${ref(link.from)}`) ?? [];
    for (const to of link.to) {
      const callees = byWorkload.get(`${link.cluster}|${ref(to)}`) ?? [];
      for (const caller of callers) {
        for (const callee of callees) {
          if (
            Math.abs(
              Date.parse(caller.firstSeen) - Date.parse(callee.firstSeen),
            ) <= window
          ) {
            uf.union(keyOf(caller), keyOf(callee));
          }
        }
      }
    }
  }

  const groups = new Map<string, Signal[]>();
  for (const signal of active) {
    const root = uf.find(keyOf(signal));
    groups.set(root, [...(groups.get(root) ?? []), signal]);
  }
  return [...groups.values()].map(members => {
    const sorted = [...members].sort(
      (a, b) =>
        Date.parse(a.firstSeen) - Date.parse(b.firstSeen) ||
        a.id.localeCompare(b.id),
    );
    const workloads = [...new Set(sorted.flatMap(workloadsOf))].sort();
    return {
      // The same problem keeps its key while its signals come and go:
      // the alphabetically first workload (or node) it involves.
      key: workloads[0],
      signals: sorted,
      entityRefs: [...new Set(sorted.flatMap(s => s.entityRefs))].sort(),
      startedAt: Date.parse(sorted[0].firstSeen),
    };
  });
}

/**
 * Whether a group is an incident or noise: any high or critical signal is;
 * groups of only low or informational signals (a CPU or memory rise) are
 * noise until they last `lowSeverityAfterMs` (default 15 minutes).
 */
export function isIncident(
  group: SignalGroup,
  now: number,
  options: GroupingOptions = {},
): boolean {
  if (
    group.signals.some(s => s.severity === 'critical' || s.severity === 'high')
  )
    return true;
  if (
    group.signals.some(s => s.severity === 'medium') &&
    group.signals.length >= 2
  )
    return true;
  const after = options.lowSeverityAfterMs ?? 15 * 60_000;
  return now - group.startedAt >= after;
}
