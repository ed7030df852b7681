/**
 * The HPA's view of resource metrics (as metrics.k8s.io serves them, gated
 * on metrics-server being up) and the replica proposal for one metric.
 */
import type { KubeObject } from '../../api/types';
import type { Env } from './env';
import { selectorMatches } from './predicates';
import { formatQuantity, isPodReady, isTerminal, Obj, quantity } from './util';

const METRICS_API_DOWN =
  'unable to fetch metrics from resource metrics API: the server is currently unable to handle the request (get pods.metrics.k8s.io)';
export const TOLERANCE = 0.1;

export interface MetricResult {
  /** Proposed replicas. */
  replicas: number;
  /** `cpu resource utilization (percentage of request)`. */
  name: string;
  status: Obj;
}

export class MetricError extends Error {
  constructor(
    readonly reason: string,
    message: string,
    /** The wrapped form for FailedComputeMetricsReplicas. */
    readonly valueMessage: string,
  ) {
    super(message);
  }
}

/** False when `kube-system/metrics-server` exists without a Ready pod. */
export function metricsAvailable(env: Env): boolean {
  const ms = env.inf.deployments.get('kube-system', 'metrics-server') as
    | Obj
    | undefined;
  if (!ms) return true;
  return env.inf.pods
    .list('kube-system')
    .some(
      p =>
        selectorMatches(ms.spec?.selector, p.metadata?.labels) &&
        !p.metadata?.deletionTimestamp &&
        isPodReady(p),
    );
}

function targetPods(env: Env, target: Obj): Obj[] {
  const ns = target.metadata.namespace;
  return (env.inf.pods.list(ns) as Obj[]).filter(
    p =>
      selectorMatches(target.spec?.selector, p.metadata?.labels) &&
      !p.metadata.deletionTimestamp &&
      p.status?.phase !== 'Failed' &&
      !isTerminal(p as KubeObject),
  );
}

function usageOf(
  env: Env,
  pod: Obj,
  resource: string,
  container?: string,
): number | undefined {
  const usage = env.ctx.metrics.podUsage(
    pod.metadata.namespace,
    pod.metadata.name,
  );
  if (!usage) return undefined;
  return usage
    .filter(c => !container || c.name === container)
    .reduce((s, c) => s + (resource === 'cpu' ? c.cpu : c.memory), 0);
}

function requestOf(
  pod: Obj,
  resource: string,
  container?: string,
): number | string {
  let total = 0;
  for (const c of pod.spec?.containers ?? []) {
    if (container && c.name !== container) continue;
    const r = c.resources?.requests?.[resource];
    if (r === undefined) {
      return `missing request for ${resource} in container ${c.name} of Pod ${pod.metadata.name}`;
    }
    total += quantity(r);
  }
  return total;
}

/** One Resource or ContainerResource metric of an HPA. */
export function resourceMetric(
  env: Env,
  metric: Obj,
  target: Obj,
  current: number,
): MetricResult {
  const isContainer = metric.type === 'ContainerResource';
  const spec = isContainer ? metric.containerResource : metric.resource;
  const resource: string = spec?.name ?? 'cpu';
  const container: string | undefined = isContainer
    ? spec?.container
    : undefined;
  const goal = spec?.target ?? {};
  const utilization = goal.type !== 'AverageValue' && goal.type !== 'Value';
  const kind = isContainer ? 'container resource' : 'resource';
  const what = utilization ? `${resource} utilization` : `${resource} usage`;
  const fail = (message: string) =>
    new MetricError(
      isContainer
        ? 'FailedGetContainerResourceMetric'
        : 'FailedGetResourceMetric',
      `failed to get ${what}: ${message}`,
      `failed to get ${resource} ${kind} metric value: failed to get ${what}: ${message}`,
    );
  if (!metricsAvailable(env))
    throw fail(
      `unable to get metrics for resource ${resource}: ${METRICS_API_DOWN}`,
    );
  let usageTotal = 0;
  let requestTotal = 0;
  let counted = 0;
  for (const pod of targetPods(env, target)) {
    if (!isPodReady(pod as KubeObject)) continue;
    const used = usageOf(env, pod, resource, container);
    if (used === undefined) continue;
    const request = requestOf(pod, resource, container);
    if (utilization && typeof request === 'string') throw fail(request);
    usageTotal += used;
    requestTotal += typeof request === 'number' ? request : 0;
    counted++;
  }
  if (counted === 0)
    throw fail(
      'did not receive metrics for targeted pods (pods might be unready)',
    );
  const average = usageTotal / counted;
  const currentStatus: Obj = {
    averageValue: formatQuantity(average, resource),
  };
  let ratio: number;
  if (utilization) {
    const percent = Math.floor(
      (usageTotal * 100) / Math.max(requestTotal, 1e-12),
    );
    currentStatus.averageUtilization = percent;
    ratio = percent / (goal.averageUtilization ?? 80);
  } else {
    ratio =
      average / Math.max(quantity(goal.averageValue ?? goal.value), 1e-12);
  }
  const replicas =
    Math.abs(ratio - 1) <= TOLERANCE ? current : Math.ceil(current * ratio);
  const name = utilization
    ? `${resource} ${kind} utilization (percentage of request)`
    : `${resource} ${kind}`;
  const status = isContainer
    ? {
        type: 'ContainerResource',
        containerResource: {
          name: resource,
          container,
          current: currentStatus,
        },
      }
    : {
        type: 'Resource',
        resource: { name: resource, current: currentStatus },
      };
  return { replicas, name, status };
}
