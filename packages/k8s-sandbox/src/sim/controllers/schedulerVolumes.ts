/**
 * The VolumeBinding pre-filter: a pod whose claim is missing, being
 * deleted, or unbound without WaitForFirstConsumer cannot be scheduled;
 * unbound WaitForFirstConsumer claims are bound once the pod has a node.
 */
import type { Env } from './env';
import type { Obj } from './util';

export interface ClaimCheck {
  /** A pre-filter rejection (no node can help). */
  prefilter?: string;
  /** Unbound WaitForFirstConsumer claims to bind to the chosen node. */
  delayed: string[];
}

export function checkClaims(env: Env, pod: Obj): ClaimCheck {
  const delayed: string[] = [];
  let unboundImmediate = false;
  const ns = pod.metadata.namespace;
  for (const volume of pod.spec?.volumes ?? []) {
    const claimName = volume.persistentVolumeClaim?.claimName;
    if (!claimName) continue;
    const pvc = env.inf.pvcs.get(ns, claimName) as Obj | undefined;
    if (!pvc)
      return {
        prefilter: `persistentvolumeclaim "${claimName}" not found`,
        delayed,
      };
    if (pvc.metadata.deletionTimestamp) {
      return {
        prefilter: `persistentvolumeclaim "${claimName}" is being deleted`,
        delayed,
      };
    }
    if (pvc.spec?.volumeName && pvc.status?.phase === 'Bound') continue;
    const className = pvc.spec?.storageClassName;
    const sc = className
      ? (env.ctx.store.tryGet(
          'storage.k8s.io/storageclasses',
          undefined,
          className,
        ) as Obj | undefined)
      : undefined;
    if (sc?.volumeBindingMode === 'WaitForFirstConsumer')
      delayed.push(claimName);
    else unboundImmediate = true;
  }
  if (unboundImmediate) {
    return {
      prefilter: 'pod has unbound immediate PersistentVolumeClaims',
      delayed,
    };
  }
  return { delayed };
}
