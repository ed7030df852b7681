/**
 * The ReplicaSet controller: creates and deletes pods to match
 * `spec.replicas` (terminating and finished pods do not count), records
 * SuccessfulCreate/SuccessfulDelete/FailedCreate, sets ReplicaFailure on
 * admission refusals and retries them with the controller back-off.
 */
import { ApiError } from '../../api/errors';
import type { KubeObject } from '../../api/types';
import { Env, Loop, podsControlledBy, recordEvent } from './env';
import { podFromTemplate } from './pods';
import {
  availableAt,
  condition,
  controllerRef,
  isActive,
  isPodAvailable,
  isPodReady,
  keyOf,
  nameOf,
  Obj,
  parseTime,
  removeCondition,
  setCondition,
  splitKey,
} from './util';
import { WorkQueue } from './workqueue';

const COMPONENT = 'replicaset-controller';

/** The default controller rate limiter: 5ms doubling to 1000s. */
export function backoffDelay(failures: number): number {
  return Math.min(5 * 2 ** Math.max(0, failures - 1), 1_000_000);
}

interface Backoff {
  failures: number;
  until: number;
}

export function startReplicaSetController(env: Env): Loop {
  const { ctx, inf } = env;
  const backoff = new Map<string, Backoff>();
  const queue = new WorkQueue(ctx.clock, 'replicaset', key =>
    syncReplicaSet(env, key, backoff),
  );
  inf.replicaSets.onChange((type, rs) => {
    if (type === 'DELETED') backoff.delete(keyOf(rs));
    else queue.add(keyOf(rs));
  });
  inf.pods.onChange((_type, pod, old) => {
    for (const p of [pod, old]) {
      const owner = p && controllerRef(p);
      if (owner?.kind === 'ReplicaSet') {
        queue.add(`${p!.metadata?.namespace}/${owner.name}`);
      }
    }
  });
  for (const rs of inf.replicaSets.items.values()) queue.add(keyOf(rs));
  return { stop: () => queue.stop() };
}

function syncReplicaSet(
  env: Env,
  key: string,
  backoff: Map<string, Backoff>,
): number | undefined {
  const [ns, name] = splitKey(key);
  const rs = env.ctx.store.tryGet('apps/replicasets', ns, name) as
    | Obj
    | undefined;
  if (!rs) return undefined;
  const now = env.ctx.clock.now();
  const pods = podsControlledBy(env, rs.metadata.uid);
  const active = pods.filter(isActive);
  const desired: number = rs.spec?.replicas ?? 1;
  let failure: string | undefined;
  let retry: number | undefined;
  if (!rs.metadata.deletionTimestamp) {
    const diff = active.length - desired;
    if (diff < 0) {
      const state = backoff.get(key);
      if (state && state.until > now) {
        retry = state.until - now;
        failure = condition(rs, 'ReplicaFailure')?.message;
      } else {
        failure = createPods(env, rs, -diff);
        if (failure) {
          const failures = (state?.failures ?? 0) + 1;
          retry = backoffDelay(failures);
          backoff.set(key, { failures, until: now + retry });
        } else {
          backoff.delete(key);
        }
      }
    } else if (diff > 0) {
      backoff.delete(key);
      deletePods(env, rs, podsToDelete(active, diff));
    } else {
      backoff.delete(key);
    }
  }
  writeStatus(env, rs, failure);
  return minDefined(retry, nextAvailability(rs, pods, now));
}

function minDefined(a?: number, b?: number): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

function nextAvailability(rs: Obj, pods: KubeObject[], now: number) {
  const minReady = rs.spec?.minReadySeconds ?? 0;
  let next: number | undefined;
  for (const pod of pods) {
    const at = availableAt(pod, minReady);
    if (at !== undefined && at > now) next = minDefined(next, at - now);
  }
  return next;
}

/** Creates `count` pods, stopping at the first refusal; returns its message. */
function createPods(env: Env, rs: Obj, count: number): string | undefined {
  const { store } = env.ctx;
  const ns = rs.metadata.namespace;
  for (let i = 0; i < count; i++) {
    const name = env.names.next(
      rs.metadata.name,
      n => !!env.inf.pods.get(ns, n),
    );
    const pod = podFromTemplate({
      template: rs.spec?.template,
      name,
      namespace: ns,
      owner: rs,
    });
    try {
      store.create(pod);
    } catch (error) {
      const message = error instanceof ApiError ? error.message : String(error);
      recordEvent(
        env,
        rs,
        'Warning',
        'FailedCreate',
        `Error creating: ${message}`,
        COMPONENT,
      );
      return message;
    }
    recordEvent(
      env,
      rs,
      'Normal',
      'SuccessfulCreate',
      `Created pod: ${name}`,
      COMPONENT,
    );
  }
  return undefined;
}

function deletePods(env: Env, rs: Obj, pods: KubeObject[]): void {
  for (const pod of pods) {
    try {
      env.ctx.store.delete('pods', pod.metadata?.namespace, nameOf(pod));
      recordEvent(
        env,
        rs,
        'Normal',
        'SuccessfulDelete',
        `Deleted pod: ${nameOf(pod)}`,
        COMPONENT,
      );
    } catch (error) {
      const message = error instanceof ApiError ? error.message : String(error);
      recordEvent(
        env,
        rs,
        'Warning',
        'FailedDelete',
        `Error deleting: ${message}`,
        COMPONENT,
      );
    }
  }
}

const PHASE_RANK: Record<string, number> = {
  Pending: 0,
  Unknown: 1,
  Running: 2,
};

/**
 * Which pods go first when scaling down, as `ActivePodsWithRanks` orders
 * them: unscheduled, pending, not ready, doubled up on a node, ready for
 * the shortest time, most restarts, newest.
 */
export function podsToDelete(pods: KubeObject[], count: number): KubeObject[] {
  const perNode = new Map<string, number>();
  for (const p of pods) {
    const node = (p as Obj).spec?.nodeName;
    if (node) perNode.set(node, (perNode.get(node) ?? 0) + 1);
  }
  const info = (p: Obj) => ({
    assigned: p.spec?.nodeName ? 1 : 0,
    phase: PHASE_RANK[p.status?.phase] ?? 2,
    ready: isPodReady(p) ? 1 : 0,
    rank: perNode.get(p.spec?.nodeName) ?? 0,
    readySince: parseTime(condition(p, 'Ready')?.lastTransitionTime) ?? 0,
    restarts: (p.status?.containerStatuses ?? []).reduce(
      (s: number, c: Obj) => s + (c.restartCount ?? 0),
      0,
    ),
    created: parseTime(p.metadata?.creationTimestamp) ?? 0,
  });
  const ranked = pods.map((p, i) => ({ p, i, k: info(p as Obj) }));
  ranked.sort((a, b) => {
    const x = a.k;
    const y = b.k;
    if (x.assigned !== y.assigned) return x.assigned - y.assigned;
    if (x.phase !== y.phase) return x.phase - y.phase;
    if (x.ready !== y.ready) return x.ready - y.ready;
    if (x.rank !== y.rank) return y.rank - x.rank;
    if (x.ready && x.readySince !== y.readySince)
      return y.readySince - x.readySince;
    if (x.restarts !== y.restarts) return y.restarts - x.restarts;
    if (x.created !== y.created) return y.created - x.created;
    return b.i - a.i;
  });
  return ranked.slice(0, count).map(r => r.p);
}

function matchesTemplateLabels(pod: KubeObject, rs: Obj): boolean {
  const labels = rs.spec?.template?.metadata?.labels ?? {};
  return Object.entries(labels).every(
    ([k, v]) => pod.metadata?.labels?.[k] === v,
  );
}

function writeStatus(env: Env, rs: Obj, failure: string | undefined): void {
  const now = env.ctx.clock.now();
  const pods = podsControlledBy(env, rs.metadata.uid).filter(isActive);
  const minReady = rs.spec?.minReadySeconds ?? 0;
  let conditions: Obj[] = rs.status?.conditions ?? [];
  if (failure) {
    conditions = setCondition(
      conditions,
      {
        type: 'ReplicaFailure',
        status: 'True',
        reason: 'FailedCreate',
        message: failure,
      },
      now,
    );
  } else {
    conditions = removeCondition(conditions, 'ReplicaFailure');
  }
  const status: Obj = {
    replicas: pods.length,
    fullyLabeledReplicas: pods.filter(p => matchesTemplateLabels(p, rs)).length,
    readyReplicas: pods.filter(isPodReady).length,
    availableReplicas: pods.filter(p => isPodAvailable(p, minReady, now))
      .length,
    observedGeneration: rs.metadata.generation ?? 1,
  };
  if (conditions.length > 0) status.conditions = conditions;
  if (JSON.stringify(status) === JSON.stringify(rs.status ?? {})) return;
  const latest = env.ctx.store.tryGet(
    'apps/replicasets',
    rs.metadata.namespace,
    rs.metadata.name,
  );
  if (latest) env.ctx.store.updateStatus({ ...latest, status });
}
