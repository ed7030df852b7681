/**
 * Scheduling predicates shared by the scheduler, the DaemonSet controller
 * and node lifecycle: taints and tolerations, node selectors and affinity,
 * label selectors.
 */
import { matchesLabelSelector } from '../../api/selectors';
import type { KubeObject } from '../../api/types';
import type { Obj } from './util';

export interface Taint {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string;
}

export function taintsOf(node: KubeObject | undefined): Taint[] {
  return (node as Obj | undefined)?.spec?.taints ?? [];
}

export function toleratesTaint(toleration: Obj, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  const op = toleration.operator ?? 'Equal';
  if (!toleration.key) return op === 'Exists';
  if (toleration.key !== taint.key) return false;
  if (op === 'Exists') return true;
  return (toleration.value ?? '') === (taint.value ?? '');
}

export function tolerates(
  tolerations: Obj[] | undefined,
  taint: Taint,
): boolean {
  return (tolerations ?? []).some(t => toleratesTaint(t, taint));
}

/** The first NoSchedule/NoExecute taint the pod does not tolerate. */
export function untoleratedTaint(
  tolerations: Obj[] | undefined,
  taints: Taint[],
): Taint | undefined {
  return taints.find(
    t =>
      (t.effect === 'NoSchedule' || t.effect === 'NoExecute') &&
      !tolerates(tolerations, t),
  );
}

function matchExpression(expr: Obj, value: string | undefined): boolean {
  const values: string[] = expr.values ?? [];
  switch (expr.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
      return value !== undefined && Number(value) > Number(values[0]);
    case 'Lt':
      return value !== undefined && Number(value) < Number(values[0]);
    default:
      return false;
  }
}

/** One NodeSelectorTerm: all expressions and fields must match. */
export function matchesNodeSelectorTerm(term: Obj, node: KubeObject): boolean {
  const exprs: Obj[] = term.matchExpressions ?? [];
  const fields: Obj[] = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  return (
    exprs.every(e => matchExpression(e, labels[e.key])) &&
    fields.every(f =>
      matchExpression(
        f,
        f.key === 'metadata.name' ? node.metadata?.name : undefined,
      ),
    )
  );
}

/** nodeSelector and required node affinity. */
export function matchesNodeAffinity(spec: Obj, node: KubeObject): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries<string>(spec.nodeSelector ?? {})) {
    if (labels[k] !== v) return false;
  }
  const required =
    spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  const terms: Obj[] = required.nodeSelectorTerms ?? [];
  return terms.some(t => matchesNodeSelectorTerm(t, node));
}

/** Sum of weights of the preferred node affinity terms the node matches. */
export function preferredNodeAffinityScore(
  spec: Obj,
  node: KubeObject,
): number {
  const preferred: Obj[] =
    spec.affinity?.nodeAffinity
      ?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
  return preferred.reduce(
    (sum, p) =>
      sum +
      (matchesNodeSelectorTerm(p.preference ?? {}, node) ? p.weight ?? 0 : 0),
    0,
  );
}

export function selectorMatches(
  selector: Obj | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  return matchesLabelSelector(selector as any, labels);
}
