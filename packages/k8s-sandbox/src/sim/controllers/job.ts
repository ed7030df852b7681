/**
 * The Job controller: runs pods per parallelism and completions, counts
 * succeeded and failed pods, fails the Job past `backoffLimit` (failed pods
 * under restartPolicy Never, container restarts under OnFailure) or past
 * `activeDeadlineSeconds`, completes it, and removes it after
 * `ttlSecondsAfterFinished`.
 */
import { ApiError } from '../../api/errors';
import type { KubeObject } from '../../api/types';
import { Env, Loop, podsControlledBy, recordEvent } from './env';
import { podFromTemplate } from './pods';
import {
  clone,
  controllerRef,
  isPodReady,
  isTerminal,
  keyOf,
  Obj,
  parseTime,
  splitKey,
  timestamp,
} from './util';
import { WorkQueue } from './workqueue';

const COMPONENT = 'job-controller';

interface Tracking {
  counted: Set<string>;
  lastFailureAt?: number;
}

export function startJobController(env: Env): Loop {
  const { ctx, inf } = env;
  const tracking = new Map<string, Tracking>();
  const queue = new WorkQueue(ctx.clock, 'job', key =>
    syncJob(env, key, tracking),
  );
  inf.jobs.onChange((type, job) => {
    if (type === 'DELETED') tracking.delete(job.metadata?.uid ?? '');
    else queue.add(keyOf(job));
  });
  inf.pods.onChange((_t, pod, old) => {
    for (const p of [pod, old]) {
      const owner = p && controllerRef(p);
      if (owner?.kind === 'Job')
        queue.add(`${p!.metadata?.namespace}/${owner.name}`);
    }
  });
  for (const job of inf.jobs.items.values()) queue.add(keyOf(job));
  return { stop: () => queue.stop() };
}

export function jobFinished(
  job: KubeObject,
): 'Complete' | 'Failed' | undefined {
  for (const c of ((job as Obj).status?.conditions ?? []) as Obj[]) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')
      return c.type;
  }
  return undefined;
}

function restarts(pod: Obj): number {
  const statuses = [
    ...(pod.status?.containerStatuses ?? []),
    ...(pod.status?.initContainerStatuses ?? []),
  ];
  return statuses.reduce((s: number, c: Obj) => s + (c.restartCount ?? 0), 0);
}

/** Back-off before a replacement pod under restartPolicy Never. */
function failureBackoff(failed: number): number {
  return failed <= 0 ? 0 : Math.min(10_000 * 2 ** (failed - 1), 360_000);
}

function syncJob(
  env: Env,
  key: string,
  tracking: Map<string, Tracking>,
): number | undefined {
  const [ns, name] = splitKey(key);
  const job = env.ctx.store.tryGet('batch/jobs', ns, name) as Obj | undefined;
  if (!job || job.metadata.deletionTimestamp) return undefined;
  const now = env.ctx.clock.now();
  if (jobFinished(job as KubeObject)) return ttlCleanup(env, job, now);
  let track = tracking.get(job.metadata.uid);
  if (!track) tracking.set(job.metadata.uid, (track = { counted: new Set() }));
  const spec = job.spec ?? {};
  const status: Obj = clone(job.status ?? {});
  const pods = podsControlledBy(env, job.metadata.uid) as Obj[];
  status.succeeded ??= 0;
  status.failed ??= 0;
  for (const pod of pods) {
    const phase = pod.status?.phase;
    if (
      (phase === 'Succeeded' || phase === 'Failed') &&
      !track.counted.has(pod.metadata.uid)
    ) {
      track.counted.add(pod.metadata.uid);
      if (phase === 'Succeeded') status.succeeded++;
      else {
        status.failed++;
        track.lastFailureAt = now;
      }
    }
  }
  if (spec.suspend) {
    for (const pod of pods.filter(
      p => !isTerminal(p as KubeObject) && !p.metadata.deletionTimestamp,
    )) {
      deletePod(env, job, pod);
    }
    return writeJobStatus(
      env,
      job,
      { ...status, active: 0, ready: 0 },
      undefined,
    );
  }
  status.startTime ??= timestamp(now);
  const active = pods.filter(
    p => !isTerminal(p as KubeObject) && !p.metadata.deletionTimestamp,
  );
  const failure = failureOf(job, status, active, now);
  if (failure) return failJob(env, job, status, active, failure);
  if (isComplete(spec, status.succeeded, active.length))
    return completeJob(env, job, status, active);
  const requeue = manageActive(env, job, status, active, track, now);
  status.active = podsControlledBy(env, job.metadata.uid).filter(
    p => !isTerminal(p) && !p.metadata?.deletionTimestamp,
  ).length;
  status.ready = active.filter(p => isPodReady(p as KubeObject)).length;
  const deadline = deadlineIn(job, status, now);
  return writeJobStatus(env, job, status, minOf(requeue, deadline));
}

function minOf(a?: number, b?: number): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

function isComplete(spec: Obj, succeeded: number, active: number): boolean {
  if (spec.completions === undefined || spec.completions === null) {
    return succeeded > 0 && active === 0;
  }
  return succeeded >= spec.completions;
}

function deadlineIn(job: Obj, status: Obj, now: number): number | undefined {
  const seconds = job.spec?.activeDeadlineSeconds;
  if (seconds === undefined) return undefined;
  const start = parseTime(status.startTime) ?? now;
  return Math.max(0, start + seconds * 1000 - now);
}

function failureOf(
  job: Obj,
  status: Obj,
  active: Obj[],
  now: number,
): [string, string] | undefined {
  const spec = job.spec ?? {};
  const limit: number = spec.backoffLimit ?? 6;
  const onFailure = spec.template?.spec?.restartPolicy === 'OnFailure';
  const restartTotal = active.reduce((s, p) => s + restarts(p), 0);
  const pastOnFailure =
    onFailure && (limit === 0 ? restartTotal > 0 : restartTotal >= limit);
  if (status.failed > limit || pastOnFailure) {
    return [
      'BackoffLimitExceeded',
      'Job has reached the specified backoff limit',
    ];
  }
  const deadline = deadlineIn(job, status, now);
  if (deadline !== undefined && deadline <= 0) {
    return [
      'DeadlineExceeded',
      'Job was active longer than specified deadline',
    ];
  }
  return undefined;
}

function jobCondition(
  type: string,
  reason: string,
  message: string,
  now: number,
): Obj {
  const t = timestamp(now);
  return {
    type,
    status: 'True',
    lastProbeTime: t,
    lastTransitionTime: t,
    reason,
    message,
  };
}

function failJob(
  env: Env,
  job: Obj,
  status: Obj,
  active: Obj[],
  [reason, message]: [string, string],
): number | undefined {
  const now = env.ctx.clock.now();
  for (const pod of active) deletePod(env, job, pod);
  status.failed += active.length;
  status.active = 0;
  status.ready = 0;
  status.conditions = [
    ...(status.conditions ?? []).filter(
      (c: Obj) => c.type !== 'FailureTarget' && c.type !== 'Failed',
    ),
    jobCondition('FailureTarget', reason, message, now),
    jobCondition('Failed', reason, message, now),
  ];
  recordEvent(env, job, 'Warning', reason, message, COMPONENT);
  writeJobStatus(env, job, status, undefined);
  return ttlCleanup(env, { ...job, status }, now);
}

function completeJob(
  env: Env,
  job: Obj,
  status: Obj,
  active: Obj[],
): number | undefined {
  const now = env.ctx.clock.now();
  for (const pod of active) deletePod(env, job, pod);
  status.active = 0;
  status.ready = 0;
  status.completionTime = timestamp(now);
  status.conditions = [
    ...(status.conditions ?? []).filter(
      (c: Obj) => c.type !== 'SuccessCriteriaMet' && c.type !== 'Complete',
    ),
    jobCondition(
      'SuccessCriteriaMet',
      'CompletionsReached',
      'Reached expected number of succeeded pods',
      now,
    ),
    jobCondition(
      'Complete',
      'CompletionsReached',
      'Reached expected number of succeeded pods',
      now,
    ),
  ];
  recordEvent(env, job, 'Normal', 'Completed', 'Job completed', COMPONENT);
  writeJobStatus(env, job, status, undefined);
  return ttlCleanup(env, { ...job, status }, now);
}

function manageActive(
  env: Env,
  job: Obj,
  status: Obj,
  active: Obj[],
  track: Tracking,
  now: number,
): number | undefined {
  const spec = job.spec ?? {};
  const parallelism: number = spec.parallelism ?? 1;
  let want: number;
  if (spec.completions === undefined || spec.completions === null) {
    want = status.succeeded > 0 ? 0 : parallelism;
  } else {
    want = Math.max(
      0,
      Math.min(parallelism, spec.completions - status.succeeded),
    );
  }
  if (active.length > want) {
    for (const pod of active.slice(want)) deletePod(env, job, pod);
    return undefined;
  }
  if (active.length === want) return undefined;
  const readyAt = (track.lastFailureAt ?? 0) + failureBackoff(status.failed);
  if (status.failed > 0 && readyAt > now) return readyAt - now;
  for (let i = active.length; i < want; i++) {
    if (!createPod(env, job)) return 10_000;
  }
  return undefined;
}

function createPod(env: Env, job: Obj): boolean {
  const ns = job.metadata.namespace;
  const name = env.names.next(
    job.metadata.name,
    n => !!env.inf.pods.get(ns, n),
  );
  const pod = podFromTemplate({
    template: job.spec?.template,
    name,
    namespace: ns,
    owner: job,
    labels: {
      'batch.kubernetes.io/controller-uid': job.metadata.uid,
      'batch.kubernetes.io/job-name': job.metadata.name,
      'controller-uid': job.metadata.uid,
      'job-name': job.metadata.name,
    },
  });
  try {
    env.ctx.store.create(pod);
    recordEvent(
      env,
      job,
      'Normal',
      'SuccessfulCreate',
      `Created pod: ${name}`,
      COMPONENT,
    );
    return true;
  } catch (error) {
    const message = error instanceof ApiError ? error.message : String(error);
    recordEvent(
      env,
      job,
      'Warning',
      'FailedCreate',
      `Error creating: ${message}`,
      COMPONENT,
    );
    return false;
  }
}

function deletePod(env: Env, job: Obj, pod: Obj): void {
  try {
    env.ctx.store.delete('pods', pod.metadata.namespace, pod.metadata.name);
    recordEvent(
      env,
      job,
      'Normal',
      'SuccessfulDelete',
      `Deleted pod: ${pod.metadata.name}`,
      COMPONENT,
    );
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
  }
}

function writeJobStatus(
  env: Env,
  job: Obj,
  status: Obj,
  requeue: number | undefined,
): number | undefined {
  status.uncountedTerminatedPods ??= {};
  if (JSON.stringify(status) !== JSON.stringify(job.status ?? {})) {
    const latest = env.ctx.store.tryGet(
      'batch/jobs',
      job.metadata.namespace,
      job.metadata.name,
    );
    if (latest) env.ctx.store.updateStatus({ ...latest, status } as KubeObject);
  }
  return requeue;
}

function ttlCleanup(env: Env, job: Obj, now: number): number | undefined {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  if (ttl === undefined) return undefined;
  const finished = (job.status?.conditions ?? []).find(
    (c: Obj) =>
      (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
  const at = (parseTime(finished?.lastTransitionTime) ?? now) + ttl * 1000;
  if (at > now) return at - now;
  env.ctx.store.delete(
    'batch/jobs',
    job.metadata.namespace,
    job.metadata.name,
    { propagationPolicy: 'Background' },
  );
  return undefined;
}
