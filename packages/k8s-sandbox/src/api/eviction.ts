/**
 * `pods/{name}/eviction`: deletes a pod unless a PodDisruptionBudget that
 * selects it has no disruption left (429 TooManyRequests).
 */
import { successStatus, tooManyRequests } from './errors';
import { matchesLabelSelector, LabelSelector } from './selectors';
import { DeleteOptions, ObjectStore } from './store';
import { KubeObject, Status } from './types';

type Obj = Record<string, any>;

function isReady(pod: Obj): boolean {
  if (pod.metadata?.deletionTimestamp) return false;
  return (pod.status?.conditions ?? []).some(
    (c: Obj) => c.type === 'Ready' && c.status === 'True',
  );
}

function resolveCount(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.endsWith('%')) {
    const pct = Number(v.slice(0, -1));
    const x = (pct * total) / 100;
    return roundUp ? Math.ceil(x) : Math.floor(x);
  }
  return Number(v) || 0;
}

/** How many more pods the PDB allows to go, and what it needs/has. */
export function disruptionsAllowed(
  store: ObjectStore,
  pdb: KubeObject,
): { allowed: number; desired: number; healthy: number } {
  const p = pdb as Obj;
  const pods = store
    .list('pods', { namespace: p.metadata?.namespace })
    .items.filter(pod =>
      matchesLabelSelector(
        p.spec?.selector as LabelSelector,
        pod.metadata?.labels,
      ),
    );
  const expected = pods.length;
  const healthy = pods.filter(isReady).length;
  let desired: number;
  if (p.spec?.maxUnavailable !== undefined) {
    desired = expected - resolveCount(p.spec.maxUnavailable, expected, true);
  } else {
    desired = resolveCount(p.spec?.minAvailable ?? 1, expected, true);
  }
  desired = Math.max(0, desired);
  return { allowed: Math.max(0, healthy - desired), desired, healthy };
}

export function evictPod(
  store: ObjectStore,
  namespace: string,
  name: string,
  eviction: KubeObject | undefined,
  options: DeleteOptions = {},
): Status {
  const pod = store.get('pods', namespace, name) as Obj;
  if (isReady(pod)) {
    const pdbs = store
      .list('policy/poddisruptionbudgets', { namespace })
      .items.filter(pdb =>
        matchesLabelSelector(
          (pdb as Obj).spec?.selector as LabelSelector,
          pod.metadata?.labels,
        ),
      );
    for (const pdb of pdbs) {
      const { allowed, desired, healthy } = disruptionsAllowed(store, pdb);
      if (allowed <= 0) {
        throw tooManyRequests(
          "Cannot evict pod as it would violate the pod's disruption budget.",
          [
            {
              reason: 'DisruptionBudget',
              message: `The disruption budget ${pdb.metadata?.name} needs ${desired} healthy pods and has ${healthy} currently`,
            },
          ],
        );
      }
    }
  }
  const deleteOptions = ((eviction as Obj | undefined)?.deleteOptions ??
    {}) as DeleteOptions;
  store.delete('pods', namespace, name, { ...deleteOptions, ...options });
  return successStatus(201);
}
