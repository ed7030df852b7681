/**
 * Entity health as SCENARIOS.md "Rollouts and health" defines it, read from
 * the sandbox's store and the kubelets' metrics (not from the product's own
 * view of the cluster): every workload labelled with the entity has all
 * desired replicas on the current template and Ready, no container waiting
 * or restarted in the last 5 minutes, none throttled, an error rate of at
 * most 1%, and its latest Job succeeded. An autoscaler at its maximum is,
 * by itself, healthy (it is not looked at).
 */
import type { ObjectStore } from '@internal/k8s-sandbox';
import type { ExpositionSample } from './backend';

export const ENTITY_LABEL = 'backstage.io/kubernetes-id';

const RESTART_WINDOW_MS = 5 * 60_000;
const MAX_ERROR_RATE = 0.01;

type Obj = Record<string, any>;

export interface HealthResult {
  healthy: boolean;
  /** Why not, one line per problem; empty when healthy. */
  problems: string[];
}

/** Two scrapes of the sandbox's exposition, for rates over the time between them. */
export interface MetricWindow {
  before: ExpositionSample[];
  after: ExpositionSample[];
}

function labelsOf(obj: Obj): Record<string, string> {
  return obj.metadata?.labels ?? {};
}

function templateLabels(obj: Obj): Record<string, string> {
  if (obj.kind === 'CronJob')
    return obj.spec?.jobTemplate?.spec?.template?.metadata?.labels ?? {};
  return obj.spec?.template?.metadata?.labels ?? {};
}

/** Whether an object (or its pod template) carries the entity's label. */
export function labelledWith(obj: Obj, id: string): boolean {
  return (
    labelsOf(obj)[ENTITY_LABEL] === id ||
    templateLabels(obj)[ENTITY_LABEL] === id
  );
}

const name = (obj: Obj) =>
  `${obj.kind}/${obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ''}${
    obj.metadata?.name
  }`;

const list = (store: ObjectStore, resource: string): Obj[] =>
  store.list(resource).items as Obj[];

function condition(obj: Obj, type: string): Obj | undefined {
  return (obj.status?.conditions ?? []).find((c: Obj) => c.type === type);
}

function deploymentProblems(d: Obj): string[] {
  const desired = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  const out: string[] = [];
  if ((s.observedGeneration ?? 0) < (d.metadata?.generation ?? 0))
    out.push(`${name(d)}: rollout not observed yet`);
  if ((s.updatedReplicas ?? 0) < desired)
    out.push(
      `${name(d)}: ${
        s.updatedReplicas ?? 0
      }/${desired} replicas on the current template`,
    );
  if ((s.readyReplicas ?? 0) < desired)
    out.push(`${name(d)}: ${s.readyReplicas ?? 0}/${desired} replicas Ready`);
  if ((s.replicas ?? 0) > desired)
    out.push(`${name(d)}: ${s.replicas} replicas, ${desired} desired`);
  return out;
}

function statefulSetProblems(s: Obj): string[] {
  const desired = s.spec?.replicas ?? 1;
  const st = s.status ?? {};
  const out: string[] = [];
  if (st.updateRevision && st.currentRevision !== st.updateRevision)
    out.push(`${name(s)}: rollout to ${st.updateRevision} not complete`);
  if ((st.readyReplicas ?? 0) < desired)
    out.push(`${name(s)}: ${st.readyReplicas ?? 0}/${desired} replicas Ready`);
  return out;
}

function daemonSetProblems(d: Obj): string[] {
  const st = d.status ?? {};
  const desired = st.desiredNumberScheduled ?? 0;
  const out: string[] = [];
  if ((st.updatedNumberScheduled ?? desired) < desired)
    out.push(`${name(d)}: not every pod on the current template`);
  if ((st.numberReady ?? 0) < desired)
    out.push(`${name(d)}: ${st.numberReady ?? 0}/${desired} pods Ready`);
  return out;
}

function jobFinished(job: Obj): 'succeeded' | 'failed' | undefined {
  if (condition(job, 'Complete')?.status === 'True') return 'succeeded';
  if (condition(job, 'Failed')?.status === 'True') return 'failed';
  return undefined;
}

const createdAt = (obj: Obj) =>
  Date.parse(obj.metadata?.creationTimestamp ?? '') || 0;

/** The latest finished Job of the entity must have succeeded. */
function jobProblems(jobs: Obj[]): string[] {
  const finished = jobs
    .filter(j => jobFinished(j))
    .sort((a, b) => createdAt(b) - createdAt(a));
  const latest = finished[0];
  return latest && jobFinished(latest) === 'failed'
    ? [`${name(latest)}: the latest Job failed`]
    : [];
}

function containerProblems(pod: Obj, now: number): string[] {
  const out: string[] = [];
  const statuses = [
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.containerStatuses ?? []),
  ];
  for (const c of statuses) {
    const where = `${name(pod)} container ${c.name}`;
    if (c.state?.waiting)
      out.push(`${where}: waiting (${c.state.waiting.reason ?? 'unknown'})`);
    const finished = Date.parse(c.lastState?.terminated?.finishedAt ?? '');
    if ((c.restartCount ?? 0) > 0 && finished >= now - RESTART_WINDOW_MS)
      out.push(`${where}: restarted at ${c.lastState.terminated.finishedAt}`);
  }
  return out;
}

/** Sum of counter increases per pod (`namespace/pod`) between two scrapes. */
function increases(
  window: MetricWindow,
  metric: string,
  pods: Set<string>,
  filter: (labels: Record<string, string>) => boolean = () => true,
): number {
  const key = (s: ExpositionSample) => `${s.name}${JSON.stringify(s.labels)}`;
  const before = new Map(
    window.before.filter(s => s.name === metric).map(s => [key(s), s.value]),
  );
  let total = 0;
  for (const s of window.after) {
    if (s.name !== metric || !filter(s.labels)) continue;
    if (!pods.has(`${s.labels.namespace}/${s.labels.pod}`)) continue;
    const previous = before.get(key(s));
    // A counter that restarted (or is new) counts from zero.
    total +=
      previous !== undefined && s.value >= previous
        ? s.value - previous
        : s.value;
  }
  return total;
}

/**
 * Whether an entity (its `backstage.io/kubernetes-id` value) is healthy in
 * the sandbox's store at `now`, with rates over `metrics`.
 */
export function entityHealth(
  store: ObjectStore,
  id: string,
  now: number,
  metrics?: MetricWindow,
): HealthResult {
  const problems: string[] = [];
  for (const d of list(store, 'apps/deployments'))
    if (labelledWith(d, id)) problems.push(...deploymentProblems(d));
  for (const s of list(store, 'apps/statefulsets'))
    if (labelledWith(s, id)) problems.push(...statefulSetProblems(s));
  for (const d of list(store, 'apps/daemonsets'))
    if (labelledWith(d, id)) problems.push(...daemonSetProblems(d));

  const cronJobs = new Set(
    list(store, 'batch/cronjobs')
      .filter(c => labelledWith(c, id))
      .map(c => `${c.metadata?.namespace}/${c.metadata?.name}`),
  );
  const jobs = list(store, 'batch/jobs').filter(
    j =>
      labelledWith(j, id) ||
      (j.metadata?.ownerReferences ?? []).some(
        (o: Obj) =>
          o.kind === 'CronJob' &&
          cronJobs.has(`${j.metadata?.namespace}/${o.name}`),
      ),
  );
  problems.push(...jobProblems(jobs));

  // Running pods of the entity (Job pods that finished, and pods being
  // deleted, are not replicas any more).
  const pods = list(store, 'pods').filter(
    p =>
      labelsOf(p)[ENTITY_LABEL] === id &&
      !p.metadata?.deletionTimestamp &&
      p.status?.phase !== 'Succeeded' &&
      p.status?.phase !== 'Failed',
  );
  for (const pod of pods) problems.push(...containerProblems(pod, now));

  if (metrics) {
    const all = new Set(
      list(store, 'pods')
        .filter(p => labelsOf(p)[ENTITY_LABEL] === id)
        .map(p => `${p.metadata?.namespace}/${p.metadata?.name}`),
    );
    const throttled = increases(
      metrics,
      'container_cpu_cfs_throttled_periods_total',
      all,
    );
    if (throttled > 0)
      problems.push(`CPU throttled (${throttled.toFixed(0)} periods)`);
    const requests = increases(metrics, 'http_requests_total', all);
    const errors = increases(
      metrics,
      'http_requests_total',
      all,
      l => l.code?.startsWith('5') ?? false,
    );
    if (requests > 0 && errors / requests > MAX_ERROR_RATE)
      problems.push(
        `error rate ${((errors / requests) * 100).toFixed(1)}% (> ${
          MAX_ERROR_RATE * 100
        }%)`,
      );
  }
  return { healthy: problems.length === 0, problems };
}
