/**
 * The scheduler's per-node filters and scores, in the default plugin order
 * (NodeUnschedulable, TaintToleration, NodeAffinity, NodeResourcesFit,
 * VolumeBinding, PodTopologySpread, InterPodAffinity), with the reasons the
 * real plugins report.
 */
import type { KubeObject } from '../../api/types';
import { podResources, Resources } from './pods';
import {
  matchesNodeAffinity,
  preferredNodeAffinityScore,
  selectorMatches,
  taintsOf,
  tolerates,
  untoleratedTaint,
} from './predicates';
import { isTerminating, Obj, quantity } from './util';

export interface NodeInfo {
  name: string;
  node: Obj;
  order: number;
  allocatable: Record<string, number>;
  requested: Record<string, number>;
  /** CPU requests with the scheduler's 100m default for empty requests. */
  nonZeroCpu: number;
  /** Bound pods that still occupy the node (terminating included). */
  pods: Obj[];
  /** Those of `pods` with required anti-affinity terms. */
  antiPods: Obj[];
}

function hasRequiredAntiAffinity(pod: Obj): boolean {
  return !!pod.spec?.affinity?.podAntiAffinity
    ?.requiredDuringSchedulingIgnoredDuringExecution?.length;
}

export interface Verdict {
  reasons: string[];
  /** Preemption cannot help (UnschedulableAndUnresolvable). */
  unresolvable: boolean;
}

/** Non-zero CPU request used for scoring (100m per container by default). */
export function nonZeroCpu(pod: KubeObject): number {
  const containers: Obj[] = (pod as Obj).spec?.containers ?? [];
  return containers.reduce((sum, c) => {
    const cpu = c.resources?.requests?.cpu;
    return sum + (cpu === undefined ? 0.1 : quantity(cpu));
  }, 0);
}

export function newNodeInfo(node: Obj, order: number): NodeInfo {
  const alloc: Record<string, number> = {};
  const source = node.status?.allocatable ?? node.status?.capacity ?? {};
  for (const [k, v] of Object.entries(source)) alloc[k] = quantity(v);
  return {
    name: node.metadata.name,
    node,
    order,
    allocatable: alloc,
    requested: { cpu: 0, memory: 0 },
    nonZeroCpu: 0,
    pods: [],
    antiPods: [],
  };
}

export function addPodToNode(info: NodeInfo, pod: Obj): void {
  const req = podResources(pod);
  for (const [k, v] of Object.entries(req)) {
    info.requested[k] = (info.requested[k] ?? 0) + v;
  }
  info.nonZeroCpu += nonZeroCpu(pod);
  info.pods.push(pod);
  if (hasRequiredAntiAffinity(pod)) info.antiPods.push(pod);
}

export function removePodFromNode(info: NodeInfo, pod: Obj): void {
  const req = podResources(pod);
  for (const [k, v] of Object.entries(req)) info.requested[k] -= v;
  info.nonZeroCpu -= nonZeroCpu(pod);
  info.pods = info.pods.filter(p => p !== pod);
  info.antiPods = info.antiPods.filter(p => p !== pod);
}

const UNSCHEDULABLE_TAINT = {
  key: 'node.kubernetes.io/unschedulable',
  effect: 'NoSchedule',
};

/** NodeUnschedulable, TaintToleration, NodeAffinity. */
export function staticFilter(spec: Obj, info: NodeInfo): Verdict | undefined {
  const node = info.node;
  if (
    node.spec?.unschedulable &&
    !tolerates(spec.tolerations, UNSCHEDULABLE_TAINT)
  ) {
    return { reasons: ['node(s) were unschedulable'], unresolvable: true };
  }
  const taint = untoleratedTaint(spec.tolerations, taintsOf(node));
  if (taint) {
    return {
      reasons: [
        `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`,
      ],
      unresolvable: true,
    };
  }
  if (!matchesNodeAffinity(spec, node)) {
    return {
      reasons: ["node(s) didn't match Pod's node affinity/selector"],
      unresolvable: true,
    };
  }
  return undefined;
}

/** NodeResourcesFit: every insufficient resource, pods first. */
export function resourceReasons(
  requests: Resources,
  info: NodeInfo,
  extra?: Record<string, number>,
  extraPods = 0,
): string[] {
  const reasons: string[] = [];
  const podsAllowed = info.allocatable.pods ?? 110;
  if (info.pods.length + 1 + extraPods > podsAllowed)
    reasons.push('Too many pods');
  const names = ['cpu', 'memory', 'ephemeral-storage'];
  for (const k of Object.keys(requests)) if (!names.includes(k)) names.push(k);
  for (const k of names) {
    const want = requests[k] ?? 0;
    if (want <= 0) continue;
    const free =
      (info.allocatable[k] ?? 0) - (info.requested[k] ?? 0) - (extra?.[k] ?? 0);
    if (want > free + 1e-9) reasons.push(`Insufficient ${k}`);
  }
  return reasons;
}

// -------------------------------------------------------- topology spread

interface Constraint {
  maxSkew: number;
  topologyKey: string;
  selector: Obj | undefined;
  minDomains?: number;
  hard: boolean;
}

export function spreadConstraints(pod: Obj): Constraint[] {
  return ((pod.spec?.topologySpreadConstraints ?? []) as Obj[]).map(c => {
    let selector = c.labelSelector;
    if (c.matchLabelKeys?.length) {
      selector = { ...(selector ?? {}) };
      selector.matchLabels = { ...(selector.matchLabels ?? {}) };
      for (const key of c.matchLabelKeys) {
        const v = pod.metadata?.labels?.[key];
        if (v !== undefined) selector.matchLabels[key] = v;
      }
    }
    return {
      maxSkew: c.maxSkew ?? 1,
      topologyKey: c.topologyKey,
      selector,
      minDomains: c.minDomains,
      hard: (c.whenUnsatisfiable ?? 'DoNotSchedule') === 'DoNotSchedule',
    };
  });
}

function countsInDomains(
  pod: Obj,
  c: Constraint,
  nodes: NodeInfo[],
): Map<string, number> {
  const counts = new Map<string, number>();
  for (const info of nodes) {
    const domain = info.node.metadata.labels?.[c.topologyKey];
    if (domain === undefined) continue;
    let n = counts.get(domain) ?? 0;
    for (const p of info.pods) {
      if (
        p.metadata.namespace === pod.metadata.namespace &&
        !isTerminating(p) &&
        selectorMatches(c.selector, p.metadata.labels)
      ) {
        n++;
      }
    }
    counts.set(domain, n);
  }
  return counts;
}

/** Precomputed PodTopologySpread state for one pod. */
export class SpreadState {
  private readonly hard: Array<{
    c: Constraint;
    counts: Map<string, number>;
    min: number;
    self: number;
  }> = [];
  private readonly soft: Array<{ c: Constraint; counts: Map<string, number> }> =
    [];

  constructor(pod: Obj, nodes: NodeInfo[]) {
    const constraints = spreadConstraints(pod);
    if (constraints.length === 0) return;
    const keys = constraints.map(c => c.topologyKey);
    // Domains are counted over nodes the pod could go to by affinity.
    const eligible = nodes.filter(
      n =>
        matchesNodeAffinity(pod.spec ?? {}, n.node) &&
        keys.every(k => n.node.metadata.labels?.[k] !== undefined),
    );
    for (const c of constraints) {
      const counts = countsInDomains(pod, c, eligible);
      if (c.hard) {
        let min = counts.size ? Math.min(...counts.values()) : 0;
        if (c.minDomains && counts.size < c.minDomains) min = 0;
        const self = selectorMatches(c.selector, pod.metadata.labels) ? 1 : 0;
        this.hard.push({ c, counts, min, self });
      } else {
        this.soft.push({ c, counts: countsInDomains(pod, c, nodes) });
      }
    }
  }

  filter(info: NodeInfo): Verdict | undefined {
    for (const { c, counts, min, self } of this.hard) {
      const domain = info.node.metadata.labels?.[c.topologyKey];
      if (domain === undefined) {
        return {
          reasons: [
            "node(s) didn't match pod topology spread constraints (missing required label)",
          ],
          unresolvable: true,
        };
      }
      if ((counts.get(domain) ?? 0) + self - min > c.maxSkew) {
        return {
          reasons: ["node(s) didn't match pod topology spread constraints"],
          unresolvable: false,
        };
      }
    }
    return undefined;
  }

  /** Matching pods in the node's domains (lower is better). */
  softScore(info: NodeInfo): number {
    let total = 0;
    for (const { c, counts } of this.soft) {
      const domain = info.node.metadata.labels?.[c.topologyKey];
      total += domain === undefined ? 1e9 : counts.get(domain) ?? 0;
    }
    return total;
  }
}

// ------------------------------------------------------ inter-pod affinity

interface Term {
  selector: Obj | undefined;
  namespaces: string[];
  topologyKey: string;
  weight: number;
}

function terms(list: Obj[] | undefined, ns: string, weighted: boolean): Term[] {
  return (list ?? []).map(t => {
    const term = weighted ? t.podAffinityTerm ?? {} : t;
    return {
      selector: term.labelSelector,
      namespaces: term.namespaces?.length ? term.namespaces : [ns],
      topologyKey: term.topologyKey,
      weight: weighted ? t.weight ?? 0 : 0,
    };
  });
}

function termMatches(term: Term, pod: Obj): boolean {
  return (
    term.namespaces.includes(pod.metadata.namespace) &&
    selectorMatches(term.selector, pod.metadata.labels)
  );
}

/** Precomputed InterPodAffinity state for one pod. */
export class AffinityState {
  private readonly required: Term[];
  private readonly anti: Term[];
  private readonly preferred: Term[];
  private readonly preferredAnti: Term[];
  /** Domains (`key=value`) holding pods that match each term. */
  private readonly requiredDomains: Array<Set<string>> = [];
  private readonly antiDomains: Array<Set<string>> = [];
  private readonly blockedByExisting = new Set<string>();
  private readonly selfMatch: boolean;
  private readonly anyMatch: boolean;

  constructor(pod: Obj, nodes: NodeInfo[]) {
    const ns = pod.metadata.namespace;
    const a = pod.spec?.affinity ?? {};
    this.required = terms(
      a.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
      ns,
      false,
    );
    this.anti = terms(
      a.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
      ns,
      false,
    );
    this.preferred = terms(
      a.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution,
      ns,
      true,
    );
    this.preferredAnti = terms(
      a.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution,
      ns,
      true,
    );
    this.required.forEach(() => this.requiredDomains.push(new Set()));
    this.anti.forEach(() => this.antiDomains.push(new Set()));
    const ownTerms = this.required.length + this.anti.length > 0;
    for (const info of nodes) {
      const labels = info.node.metadata.labels ?? {};
      // Without own terms, only pods with required anti-affinity matter.
      const candidates = ownTerms ? info.pods : info.antiPods;
      for (const p of candidates) {
        if (!isTerminating(p)) this.recordPod(p, pod, labels);
      }
    }
    this.anyMatch = this.requiredDomains.some(d => d.size > 0);
    this.selfMatch = this.required.every(t => termMatches(t, pod));
  }

  private recordPod(p: Obj, pod: Obj, labels: Record<string, string>): void {
    this.required.forEach((t, i) => {
      if (termMatches(t, p) && labels[t.topologyKey] !== undefined) {
        this.requiredDomains[i].add(labels[t.topologyKey]);
      }
    });
    this.anti.forEach((t, i) => {
      if (termMatches(t, p) && labels[t.topologyKey] !== undefined) {
        this.antiDomains[i].add(labels[t.topologyKey]);
      }
    });
    this.existingAnti(p, pod, labels);
  }

  private existingAnti(
    existing: Obj,
    pod: Obj,
    labels: Record<string, string>,
  ): void {
    const list =
      existing.spec?.affinity?.podAntiAffinity
        ?.requiredDuringSchedulingIgnoredDuringExecution;
    if (!list?.length) return;
    for (const t of terms(list, existing.metadata.namespace, false)) {
      const v = labels[t.topologyKey];
      if (v !== undefined && termMatches(t, pod))
        this.blockedByExisting.add(`${t.topologyKey}=${v}`);
    }
  }

  filter(info: NodeInfo): Verdict | undefined {
    const labels = info.node.metadata.labels ?? {};
    for (const key of this.blockedByExisting) {
      const [k, v] = [
        key.slice(0, key.indexOf('=')),
        key.slice(key.indexOf('=') + 1),
      ];
      if (labels[k] === v) {
        return {
          reasons: ["node(s) didn't satisfy existing pods anti-affinity rules"],
          unresolvable: false,
        };
      }
    }
    // The first pod of a group that matches its own affinity may go anywhere.
    const firstOfGroup = !this.anyMatch && this.selfMatch;
    const affinityOk =
      firstOfGroup ||
      this.required.every((t, i) => {
        const v = labels[t.topologyKey];
        return v !== undefined && this.requiredDomains[i].has(v);
      });
    if (!affinityOk) {
      return {
        reasons: ["node(s) didn't match pod affinity rules"],
        unresolvable: true,
      };
    }
    const antiHit = this.anti.some((t, i) => {
      const v = labels[t.topologyKey];
      return v !== undefined && this.antiDomains[i].has(v);
    });
    if (antiHit) {
      return {
        reasons: ["node(s) didn't match pod anti-affinity rules"],
        unresolvable: false,
      };
    }
    return undefined;
  }

  /** Weights of preferred (anti-)affinity terms satisfied on the node. */
  preferredScore(info: NodeInfo, nodes: NodeInfo[]): number {
    if (this.preferred.length === 0 && this.preferredAnti.length === 0)
      return 0;
    const labels = info.node.metadata.labels ?? {};
    const inDomain = (t: Term) => {
      const v = labels[t.topologyKey];
      if (v === undefined) return false;
      return nodes.some(
        n =>
          n.node.metadata.labels?.[t.topologyKey] === v &&
          n.pods.some(p => !isTerminating(p) && termMatches(t, p)),
      );
    };
    let score = 0;
    for (const t of this.preferred) if (inDomain(t)) score += t.weight;
    for (const t of this.preferredAnti) if (inDomain(t)) score -= t.weight;
    return score;
  }
}

export function nodeAffinityScore(spec: Obj, info: NodeInfo): number {
  return preferredNodeAffinityScore(spec, info.node);
}

/** PreferNoSchedule taints the pod does not tolerate (fewer is better). */
export function preferNoScheduleCount(spec: Obj, info: NodeInfo): number {
  return taintsOf(info.node).filter(
    t => t.effect === 'PreferNoSchedule' && !tolerates(spec.tolerations, t),
  ).length;
}
