/**
 * The CronJob controller on the virtual clock: the first run is at the
 * first schedule time after creation; `suspend` and `concurrencyPolicy`
 * (Allow, Forbid, Replace) apply; finished jobs are noted (SawCompletedJob)
 * and pruned to the history limits.
 */
import { CronExpressionParser } from 'cron-parser';
import { ApiError } from '../../api/errors';
import type { KubeObject } from '../../api/types';
import { Env, Loop, recordEvent } from './env';
import { jobFinished } from './job';
import {
  clone,
  controllerRef,
  keyOf,
  nameOf,
  Obj,
  ownerRefTo,
  parseTime,
  splitKey,
  timestamp,
} from './util';
import { WorkQueue } from './workqueue';

const COMPONENT = 'cronjob-controller';

export function startCronJobController(env: Env): Loop {
  const { ctx, inf } = env;
  const seen = new Set<string>();
  const queue = new WorkQueue(ctx.clock, 'cronjob', key =>
    syncCronJob(env, key, seen),
  );
  inf.cronJobs.onChange((type, cj) => {
    if (type !== 'DELETED') queue.add(keyOf(cj));
  });
  inf.jobs.onChange((_t, job) => {
    const owner = controllerRef(job);
    if (owner?.kind === 'CronJob')
      queue.add(`${job.metadata?.namespace}/${owner.name}`);
  });
  for (const cj of inf.cronJobs.items.values()) queue.add(keyOf(cj));
  return { stop: () => queue.stop() };
}

/** Schedule times after `from`, up to and including `until` (at most `max`). */
function scheduleTimes(
  cj: Obj,
  from: number,
  until: number,
  max = 1000,
): number[] {
  const expr = CronExpressionParser.parse(cj.spec.schedule, {
    currentDate: new Date(from),
    tz: cj.spec.timeZone ?? 'UTC',
  });
  const times: number[] = [];
  for (let i = 0; i < max; i++) {
    const t = expr.next().getTime();
    if (t > until) break;
    times.push(t);
  }
  return times;
}

function nextAfter(cj: Obj, from: number): number {
  const expr = CronExpressionParser.parse(cj.spec.schedule, {
    currentDate: new Date(from),
    tz: cj.spec.timeZone ?? 'UTC',
  });
  return expr.next().getTime();
}

function syncCronJob(
  env: Env,
  key: string,
  seen: Set<string>,
): number | undefined {
  const [ns, name] = splitKey(key);
  const found = env.ctx.store.tryGet('batch/cronjobs', ns, name) as
    | Obj
    | undefined;
  if (!found || found.metadata.deletionTimestamp) return undefined;
  const cj = clone(found);
  const now = env.ctx.clock.now();
  const jobs = env.inf.jobs
    .list(ns)
    .filter(j => controllerRef(j)?.uid === cj.metadata.uid) as Obj[];
  const status: Obj = clone(cj.status ?? {});
  trackJobs(env, cj, jobs, status, seen);
  cleanupHistory(env, cj, jobs);
  let schedule: number | undefined;
  try {
    schedule = runSchedule(env, cj, jobs, status, now);
  } catch (error) {
    recordEvent(
      env,
      cj,
      'Warning',
      'UnparseableSchedule',
      `unparseable schedule: "${cj.spec?.schedule}" : ${String(
        (error as Error).message ?? error,
      )}`,
      COMPONENT,
    );
  }
  if (!status.active?.length) delete status.active;
  if (JSON.stringify(status) !== JSON.stringify(found.status ?? {})) {
    const latest = env.ctx.store.get('batch/cronjobs', ns, name);
    env.ctx.store.updateStatus({ ...latest, status } as KubeObject);
  }
  return schedule === undefined ? undefined : Math.max(0, schedule - now);
}

function jobRef(job: Obj): Obj {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    name: job.metadata.name,
    namespace: job.metadata.namespace,
    uid: job.metadata.uid,
    resourceVersion: job.metadata.resourceVersion,
  };
}

function trackJobs(
  env: Env,
  cj: Obj,
  jobs: Obj[],
  status: Obj,
  seen: Set<string>,
): void {
  const active: Obj[] = [];
  for (const job of jobs) {
    const finished = jobFinished(job as KubeObject);
    if (!finished) {
      active.push(jobRef(job));
      continue;
    }
    if (!seen.has(job.metadata.uid)) {
      seen.add(job.metadata.uid);
      const wasActive = (cj.status?.active ?? []).some(
        (r: Obj) => r.uid === job.metadata.uid,
      );
      if (wasActive) {
        recordEvent(
          env,
          cj,
          'Normal',
          'SawCompletedJob',
          `Saw completed job: ${job.metadata.name}, status: ${finished}`,
          COMPONENT,
        );
      }
    }
    if (finished === 'Complete' && job.status?.completionTime) {
      const t = parseTime(job.status.completionTime) ?? 0;
      if (t > (parseTime(status.lastSuccessfulTime) ?? 0))
        status.lastSuccessfulTime = job.status.completionTime;
    }
  }
  active.sort((a, b) => String(a.name).localeCompare(b.name));
  status.active = active;
}

function cleanupHistory(env: Env, cj: Obj, jobs: Obj[]): void {
  const prune = (kind: 'Complete' | 'Failed', limit: number) => {
    const done = jobs
      .filter(
        j =>
          jobFinished(j as KubeObject) === kind &&
          !j.metadata.deletionTimestamp,
      )
      .sort((a, b) => startOf(a) - startOf(b));
    for (const job of done.slice(0, Math.max(0, done.length - limit))) {
      try {
        env.ctx.store.delete(
          'batch/jobs',
          job.metadata.namespace,
          job.metadata.name,
          { propagationPolicy: 'Background' },
        );
        recordEvent(
          env,
          cj,
          'Normal',
          'SuccessfulDelete',
          `Deleted job ${job.metadata.name}`,
          COMPONENT,
        );
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
      }
    }
  };
  prune('Complete', cj.spec?.successfulJobsHistoryLimit ?? 3);
  prune('Failed', cj.spec?.failedJobsHistoryLimit ?? 1);
}

function startOf(job: Obj): number {
  return (
    parseTime(job.status?.startTime) ??
    parseTime(job.metadata.creationTimestamp) ??
    0
  );
}

/** Starts the most recent due run if allowed; returns the next schedule time. */
function runSchedule(
  env: Env,
  cj: Obj,
  jobs: Obj[],
  status: Obj,
  now: number,
): number {
  const created = parseTime(cj.metadata.creationTimestamp) ?? now;
  const last = parseTime(status.lastScheduleTime) ?? created;
  const due = scheduleTimes(cj, last, now);
  const next = nextAfter(cj, now);
  if (due.length === 0 || cj.spec?.suspend) return next;
  const scheduled = due[due.length - 1];
  const deadline = cj.spec?.startingDeadlineSeconds;
  if (deadline !== undefined && now - scheduled > deadline * 1000) {
    recordEvent(
      env,
      cj,
      'Warning',
      'MissSchedule',
      `Missed scheduled time to start a job: ${timestamp(scheduled)}`,
      COMPONENT,
    );
    return next;
  }
  const active = jobs.filter(
    j => !jobFinished(j as KubeObject) && !j.metadata.deletionTimestamp,
  );
  const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
  if (policy === 'Forbid' && active.length > 0) {
    // Retried when the running job finishes (the run is still due).
    return next;
  }
  if (policy === 'Replace') {
    for (const job of active) {
      env.ctx.store.delete(
        'batch/jobs',
        job.metadata.namespace,
        job.metadata.name,
        { propagationPolicy: 'Background' },
      );
      recordEvent(
        env,
        cj,
        'Normal',
        'SuccessfulDelete',
        `Deleted job ${job.metadata.name}`,
        COMPONENT,
      );
      status.active = (status.active ?? []).filter(
        (r: Obj) => r.uid !== job.metadata.uid,
      );
    }
  }
  const job = createJob(env, cj, scheduled);
  if (job) {
    status.active = [...(status.active ?? []), jobRef(job)];
    status.lastScheduleTime = timestamp(scheduled);
  }
  return next;
}

function createJob(env: Env, cj: Obj, scheduled: number): Obj | undefined {
  const name = `${cj.metadata.name}-${Math.floor(scheduled / 60000)}`;
  const ns = cj.metadata.namespace;
  const existing = env.ctx.store.tryGet('batch/jobs', ns, name) as
    | Obj
    | undefined;
  if (existing) return existing;
  const template = cj.spec?.jobTemplate ?? {};
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: ns,
      labels: { ...(template.metadata?.labels ?? {}) },
      annotations: {
        ...(template.metadata?.annotations ?? {}),
        'batch.kubernetes.io/cronjob-scheduled-timestamp': timestamp(scheduled),
      },
      ownerReferences: [ownerRefTo(cj)],
    },
    spec: clone(template.spec ?? {}),
  };
  try {
    const created = env.ctx.store.create(job as KubeObject) as Obj;
    recordEvent(
      env,
      cj,
      'Normal',
      'SuccessfulCreate',
      `Created job ${nameOf(created as KubeObject)}`,
      COMPONENT,
    );
    return created;
  } catch (error) {
    const message = error instanceof ApiError ? error.message : String(error);
    recordEvent(
      env,
      cj,
      'Warning',
      'FailedCreate',
      `Error creating job: ${message}`,
      COMPONENT,
    );
    return undefined;
  }
}
