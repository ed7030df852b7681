/** The `scale` subresource: autoscaling/v1 Scale views of workloads. */
import { badRequest } from './errors';
import { applyPatchOfType, PatchType } from './patch';
import { ResourceType } from './resources';
import { formatLabelSelector, LabelSelector } from './selectors';
import { ObjectStore, WriteOptions } from './store';
import { KubeObject } from './types';
import { isPlainObject } from './util';

type Obj = Record<string, any>;

export function toScale(obj: KubeObject): KubeObject {
  const o = obj as Obj;
  const m = o.metadata ?? {};
  const metadata: Obj = {
    name: m.name,
    uid: m.uid,
    resourceVersion: m.resourceVersion,
    creationTimestamp: m.creationTimestamp,
  };
  if (m.namespace) metadata.namespace = m.namespace;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata,
    spec: { replicas: o.spec?.replicas ?? 1 },
    status: {
      replicas: o.status?.replicas ?? 0,
      selector: formatLabelSelector(o.spec?.selector as LabelSelector),
    },
  };
}

export function getScale(
  store: ObjectStore,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
): KubeObject {
  return toScale(store.get(type, namespace, name));
}

/** Sets spec.replicas from a Scale object (PUT on `…/scale`). */
export function updateScale(
  store: ObjectStore,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  scale: KubeObject,
  options: WriteOptions = {},
): KubeObject {
  const replicas = (scale as Obj).spec?.replicas;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas)) {
    throw badRequest('spec.replicas must be an integer');
  }
  const patch: Obj = { spec: { replicas } };
  const rv = scale.metadata?.resourceVersion;
  if (rv) patch.metadata = { resourceVersion: rv };
  const updated = store.patch(type, namespace, name, patch, 'merge', {
    dryRun: options.dryRun,
    user: options.user,
  });
  return toScale(updated);
}

/** Applies a patch to the Scale view and writes the resulting replicas. */
export function patchScale(
  store: ObjectStore,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  patch: unknown,
  patchType: PatchType,
  options: WriteOptions = {},
): KubeObject {
  const current = getScale(store, type, namespace, name);
  const next = applyPatchOfType(patchType, current, patch);
  if (!isPlainObject(next)) throw badRequest('invalid scale patch');
  return updateScale(store, type, namespace, name, next as KubeObject, options);
}
