import type { ObjectStore } from '../api/store';
import type { ResourceType } from '../api/resources';
import type { KubeObject } from '../api/types';
import type { RefString } from './context';

/** The resource type of a kind (built-in or registered custom kind). */
export function resourceOfKind(store: ObjectStore, kind: string): ResourceType {
  return store.resolve(kind);
}

/** `Kind/namespace/name` or `Kind/name`, as scenario files write refs. */
export function refOf(object: KubeObject): RefString {
  const meta = object.metadata ?? {};
  return meta.namespace
    ? `${object.kind}/${meta.namespace}/${meta.name}`
    : `${object.kind}/${meta.name}`;
}

/**
 * The workload a pod belongs to, following controller owner references
 * (Pod -> ReplicaSet -> Deployment, Pod -> Job -> CronJob, Pod ->
 * StatefulSet/DaemonSet). Timeline steps name workloads by this ref.
 */
export function workloadOf(store: ObjectStore, object: KubeObject): RefString {
  let current = object;
  for (let depth = 0; depth < 4; depth++) {
    const owner = current.metadata?.ownerReferences?.find(o => o.controller);
    if (!owner) {
      break;
    }
    const parent = store.tryGet(
      owner.kind,
      current.metadata?.namespace,
      owner.name,
    );
    if (!parent) {
      return `${owner.kind}/${current.metadata?.namespace}/${owner.name}`;
    }
    current = parent;
  }
  return refOf(current);
}
