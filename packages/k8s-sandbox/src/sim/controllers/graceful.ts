/**
 * Graceful pod deletion: a pod bound to an existing node is only marked
 * (deletionTimestamp) and its kubelet removes it once its containers have
 * stopped; unbound or finished pods, force deletions (grace period 0) and
 * pods of a deleted node are removed at once.
 */
import type { ObjectStore } from '../../api/store';
import type { Obj } from './util';

export function installGracefulDeletion(store: ObjectStore): () => void {
  store.setGracefulDeletion((obj, type, options) => {
    if (type.storage !== 'pods') return false;
    const pod = obj as Obj;
    if (options.gracePeriodSeconds === 0) return false;
    const node = pod.spec?.nodeName;
    if (!node || !store.tryGet('nodes', undefined, node)) return false;
    const phase = pod.status?.phase;
    return phase !== 'Succeeded' && phase !== 'Failed';
  });
  return () => store.setGracefulDeletion(undefined);
}
