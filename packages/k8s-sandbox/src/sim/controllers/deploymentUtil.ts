/**
 * Deployment helpers, as in k8s.io/kubernetes/pkg/controller/deployment/util:
 * surge/unavailable fenceposts, revisions, replica annotations, conditions
 * and status arithmetic.
 */
import type { KubeObject } from '../../api/types';
import { canonicalJson, intOrPercent, Obj, parseTime, timestamp } from './util';

export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
export const HASH_LABEL = 'pod-template-hash';

/** Deployment annotations the controller does not copy to ReplicaSets. */
const NOT_COPIED = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  REVISION_HISTORY,
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  'deprecated.deployment.rollback.to',
]);

export function replicasOf(obj: Obj | undefined): number {
  return obj?.spec?.replicas ?? 1;
}

export function isRolling(d: Obj): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/** maxSurge rounds up, maxUnavailable down; both 0 means 1 unavailable. */
export function fenceposts(d: Obj): { surge: number; unavailable: number } {
  const desired = replicasOf(d);
  const ru = d.spec?.strategy?.rollingUpdate ?? {};
  const surge = intOrPercent(ru.maxSurge, desired, true, '25%');
  let unavailable = intOrPercent(ru.maxUnavailable, desired, false, '25%');
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function maxSurge(d: Obj): number {
  return isRolling(d) ? fenceposts(d).surge : 0;
}

export function maxUnavailable(d: Obj): number {
  const desired = replicasOf(d);
  if (!isRolling(d) || desired === 0) return 0;
  return Math.min(fenceposts(d).unavailable, desired);
}

export function revisionOf(rs: Obj | undefined): number {
  const n = Number(rs?.metadata?.annotations?.[REVISION] ?? 0);
  return Number.isFinite(n) ? n : 0;
}

export function sumReplicas(rss: Obj[]): number {
  return rss.reduce((s, rs) => s + (rs?.spec?.replicas ?? 0), 0);
}

export function sumStatus(rss: Obj[], field: string): number {
  return rss.reduce((s, rs) => s + (rs?.status?.[field] ?? 0), 0);
}

export function created(obj: Obj): number {
  return parseTime(obj.metadata?.creationTimestamp) ?? 0;
}

/** Oldest first, ties by name. */
export function byCreation(a: Obj, b: Obj): number {
  return (
    created(a) - created(b) ||
    String(a.metadata.name).localeCompare(b.metadata.name)
  );
}

/** The template without the pod-template-hash label, for comparison. */
function withoutHash(template: Obj | undefined): string {
  const t = structuredClone(template ?? {});
  if (t.metadata?.labels) {
    delete t.metadata.labels[HASH_LABEL];
    if (Object.keys(t.metadata.labels).length === 0) delete t.metadata.labels;
  }
  if (t.metadata && Object.keys(t.metadata).length === 0) delete t.metadata;
  return canonicalJson(t);
}

export function equalIgnoreHash(
  a: Obj | undefined,
  b: Obj | undefined,
): boolean {
  return withoutHash(a) === withoutHash(b);
}

/** Copies annotations and sets the revision as SetNewReplicaSetAnnotations does. */
export function setNewReplicaSetAnnotations(
  d: Obj,
  rs: Obj,
  newRevision: number,
  exists: boolean,
): boolean {
  const annotations: Record<string, string> = {
    ...(rs.metadata.annotations ?? {}),
  };
  const before = JSON.stringify(annotations);
  for (const [k, v] of Object.entries<string>(d.metadata?.annotations ?? {})) {
    if (!NOT_COPIED.has(k)) annotations[k] = v;
  }
  const oldRevision = annotations[REVISION];
  if ((Number(oldRevision) || 0) < newRevision) {
    annotations[REVISION] = String(newRevision);
    if (oldRevision) {
      const history = annotations[REVISION_HISTORY];
      annotations[REVISION_HISTORY] = history
        ? `${history},${oldRevision}`
        : oldRevision;
    }
  }
  if (!exists) {
    annotations[DESIRED_REPLICAS] = String(replicasOf(d));
    annotations[MAX_REPLICAS] = String(replicasOf(d) + maxSurge(d));
  }
  rs.metadata.annotations = annotations;
  return JSON.stringify(annotations) !== before;
}

/** Sets desired/max replicas annotations; true when they changed. */
export function setReplicasAnnotations(
  rs: Obj,
  desired: number,
  max: number,
): boolean {
  const a = { ...(rs.metadata.annotations ?? {}) };
  if (
    a[DESIRED_REPLICAS] === String(desired) &&
    a[MAX_REPLICAS] === String(max)
  ) {
    return false;
  }
  a[DESIRED_REPLICAS] = String(desired);
  a[MAX_REPLICAS] = String(max);
  rs.metadata.annotations = a;
  return true;
}

export function deploymentCondition(
  status: Obj,
  type: string,
): Obj | undefined {
  return (status.conditions ?? []).find((c: Obj) => c.type === type);
}

export function newCondition(
  type: string,
  status: string,
  reason: string,
  message: string,
  now: number,
): Obj {
  const t = timestamp(now);
  return {
    type,
    status,
    lastUpdateTime: t,
    lastTransitionTime: t,
    reason,
    message,
  };
}

/** SetDeploymentCondition: same status and reason is a no-op. */
export function setDeploymentCondition(status: Obj, cond: Obj): void {
  const current = deploymentCondition(status, cond.type);
  if (
    current &&
    current.status === cond.status &&
    current.reason === cond.reason
  ) {
    return;
  }
  const next = { ...cond };
  if (current && current.status === cond.status) {
    next.lastTransitionTime = current.lastTransitionTime;
  }
  status.conditions = [
    ...(status.conditions ?? []).filter((c: Obj) => c.type !== cond.type),
    next,
  ];
}

export function removeDeploymentCondition(status: Obj, type: string): void {
  status.conditions = (status.conditions ?? []).filter(
    (c: Obj) => c.type !== type,
  );
  if (status.conditions.length === 0) delete status.conditions;
}

export function isComplete(d: Obj, status: Obj): boolean {
  const desired = replicasOf(d);
  return (
    status.updatedReplicas === desired &&
    status.replicas === desired &&
    status.availableReplicas === desired &&
    status.observedGeneration >= (d.metadata.generation ?? 1)
  );
}

export function isProgressing(d: Obj, status: Obj): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = status.replicas - status.updatedReplicas;
  return (
    status.updatedReplicas > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    status.readyReplicas > (old.readyReplicas ?? 0) ||
    status.availableReplicas > (old.availableReplicas ?? 0)
  );
}

export function progressDeadline(d: Obj): number | undefined {
  const s = d.spec?.progressDeadlineSeconds;
  if (s === undefined) return 600;
  // MaxInt32 means "no deadline".
  return s >= 2147483647 ? undefined : s;
}

export function timedOut(d: Obj, status: Obj, now: number): boolean {
  const deadline = progressDeadline(d);
  if (deadline === undefined) return false;
  const cond = deploymentCondition(status, 'Progressing');
  if (!cond || cond.reason === 'NewReplicaSetAvailable') return false;
  if (cond.reason === 'ProgressDeadlineExceeded') return true;
  const from = parseTime(cond.lastUpdateTime) ?? now;
  return from + deadline * 1000 < now;
}

export function isOwnedRs(rs: KubeObject, uid: string): boolean {
  return !!rs.metadata?.ownerReferences?.some(
    o => o.controller && o.uid === uid,
  );
}
