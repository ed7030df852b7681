/**
 * What the demo tests (and anyone watching the demo) call healthy: a small
 * summary of the bookstore namespace read from the simulated cluster.
 */
import type { KubeObject } from '../api/types';
import type { SimulatedCluster } from '../sim/SimulatedCluster';

// Status shapes are loose on purpose: only the fields read here.
type Obj = KubeObject & { spec?: any; status?: any };

export interface WorkloadProblem {
  /** `Kind/namespace/name`. */
  ref: string;
  message: string;
}

function list(cluster: SimulatedCluster, resource: string, namespace: string) {
  return cluster.store.list(resource, { namespace }).items as Obj[];
}

/**
 * Problems of the Deployments and StatefulSets of `namespace`: replicas not
 * all updated and Ready, and (with `sinceMs`) containers waiting or
 * restarted since then, pods not Ready. Empty when all is healthy.
 */
export function workloadProblems(
  cluster: SimulatedCluster,
  namespace: string,
  options: { restartsSince?: number } = {},
): WorkloadProblem[] {
  const problems: WorkloadProblem[] = [];
  for (const [resource, kind] of [
    ['apps/deployments', 'Deployment'],
    ['apps/statefulsets', 'StatefulSet'],
  ]) {
    for (const workload of list(cluster, resource, namespace)) {
      const ref = `${kind}/${namespace}/${workload.metadata?.name}`;
      const want = workload.spec?.replicas ?? 1;
      const status = workload.status ?? {};
      if ((status.readyReplicas ?? 0) !== want) {
        problems.push({
          ref,
          message: `${status.readyReplicas ?? 0}/${want} replicas ready`,
        });
      }
      if ((status.updatedReplicas ?? 0) !== want) {
        problems.push({
          ref,
          message: `${status.updatedReplicas ?? 0}/${want} replicas updated`,
        });
      }
      if ((status.replicas ?? 0) !== want) {
        problems.push({
          ref,
          message: `${status.replicas ?? 0} replicas for ${want} desired`,
        });
      }
    }
  }
  for (const pod of list(cluster, 'pods', namespace)) {
    const ref = `Pod/${namespace}/${pod.metadata?.name}`;
    if (pod.metadata?.deletionTimestamp) {
      problems.push({ ref, message: 'terminating' });
      continue;
    }
    if (pod.status?.phase === 'Succeeded') {
      continue;
    }
    const ready = (pod.status?.conditions ?? []).find(
      (c: any) => c.type === 'Ready',
    );
    if (pod.status?.phase !== 'Running' || ready?.status !== 'True') {
      problems.push({
        ref,
        message: `phase ${pod.status?.phase}, Ready=${ready?.status}`,
      });
    }
    for (const container of pod.status?.containerStatuses ?? []) {
      if (container.state?.waiting) {
        problems.push({
          ref,
          message: `${container.name} waiting: ${container.state.waiting.reason}`,
        });
      }
      const finishedAt = container.lastState?.terminated?.finishedAt;
      if (
        options.restartsSince === undefined
          ? container.restartCount > 0
          : finishedAt && Date.parse(finishedAt) >= options.restartsSince
      ) {
        problems.push({
          ref,
          message: `${container.name} restarted (${container.restartCount})`,
        });
      }
    }
  }
  return problems;
}

/** Warning events in `namespace` (and of the nodes), as `reason: message`. */
export function warningEvents(
  cluster: SimulatedCluster,
  namespace: string,
): string[] {
  return [
    ...list(cluster, 'events', namespace),
    ...list(cluster, 'events', 'default'),
  ]
    .filter(event => (event as any).type === 'Warning')
    .map(
      event =>
        `${(event as any).involvedObject?.kind}/${
          (event as any).involvedObject?.name
        } ${(event as any).reason}: ${(event as any).message}`,
    );
}
