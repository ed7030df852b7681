/**
 * The change history a single look at a cluster still holds. Telemetry
 * learns of a new revision when it sees a workload change; a list shows
 * no change, but a Deployment keeps its recent revisions as ReplicaSets
 * (`deployment.kubernetes.io/revision`, their pod templates, their
 * creation times). Replaying them, oldest first, through the backend's
 * `ChangeTracker` gives the same `workload-revision` changes, diffs and
 * summaries the backend would have recorded, which root-cause analysis
 * (bad-deploy, bad-config, probe-misconfig, ...) and rollback plans read.
 *
 * StatefulSet and DaemonSet revisions live in ControllerRevisions, and
 * ConfigMap and Secret edits leave no history in the cluster: those
 * changes are not reconstructed.
 */
import type { Change } from '@internal/plugin-ai-sre-common';
import type { AiSreClock, K8sObject } from '@internal/plugin-ai-sre-node';
import { ChangeTracker, ClusterMonitor } from './backend';

const REVISION = 'deployment.kubernetes.io/revision';

type Cache = ClusterMonitor['cache'];

const time = (value: unknown) => {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
};

function revisionOf(object: K8sObject): number {
  const n = Number(object.metadata?.annotations?.[REVISION]);
  return Number.isFinite(n) ? n : 0;
}

/** The ReplicaSets a Deployment owns, by revision, oldest first. */
function replicaSetsOf(cache: Cache, deployment: K8sObject): K8sObject[] {
  const meta = deployment.metadata ?? {};
  return cache
    .list('ReplicaSet', meta.namespace)
    .filter(rs =>
      (rs.metadata?.ownerReferences ?? []).some(
        owner =>
          owner.kind === 'Deployment' &&
          (owner.uid && meta.uid
            ? owner.uid === meta.uid
            : owner.name === meta.name),
      ),
    )
    .filter(rs => revisionOf(rs) > 0)
    .sort((a, b) => revisionOf(a) - revisionOf(b));
}

/** The Deployment as it was at a ReplicaSet's revision. */
function atRevision(deployment: K8sObject, rs: K8sObject): K8sObject {
  return {
    ...deployment,
    metadata: {
      ...deployment.metadata,
      annotations: {
        ...deployment.metadata?.annotations,
        [REVISION]: String(revisionOf(rs)),
      },
    },
    spec: { ...deployment.spec, template: rs.spec?.template },
  };
}

/**
 * The Deployment revisions a cache's ReplicaSets tell, as changes: each
 * revision at its ReplicaSet's creation (never before the revision it
 * follows), and the first one at the Deployment's creation when revision
 * 1 is still kept.
 */
export function revisionChanges(cache: Cache, cluster: string): Change[] {
  const changes: Change[] = [];
  let now = 0;
  const clock: AiSreClock = {
    now: () => now,
    // Revision numbers are known at once: nothing waits.
    setTimeout: () => ({ cancel() {} }),
  };
  const tracker = new ChangeTracker({
    cluster,
    clock,
    cache,
    emit: change => changes.push(change),
  });
  for (const deployment of cache.list('Deployment')) {
    const sets = replicaSetsOf(cache, deployment);
    if (!sets.length) continue;
    let at = time(sets[0].metadata?.creationTimestamp) ?? 0;
    if (revisionOf(sets[0]) === 1) {
      const created = time(deployment.metadata?.creationTimestamp) ?? at;
      if (created) {
        now = created;
        tracker.observe(
          {
            type: 'added',
            kind: 'Deployment',
            object: atRevision(deployment, sets[0]),
          },
          { initial: false },
        );
      }
    }
    for (let i = 1; i < sets.length; i++) {
      at = Math.max(at, time(sets[i].metadata?.creationTimestamp) ?? 0);
      if (!at) continue;
      now = at;
      tracker.observe(
        {
          type: 'updated',
          kind: 'Deployment',
          object: atRevision(deployment, sets[i]),
          previous: atRevision(deployment, sets[i - 1]),
        },
        { initial: false },
      );
    }
  }
  tracker.flush();
  return changes;
}
