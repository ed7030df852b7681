/**
 * The PersistentVolume binder and provisioner: a claim whose StorageClass
 * exists binds at once to a new `pvc-<uid>` volume, or once its pod is
 * scheduled for WaitForFirstConsumer; a claim without a class stays Pending
 * with ProvisioningFailed. Expanding a bound claim updates its capacity.
 */
import { ApiError } from '../../api/errors';
import type { KubeObject } from '../../api/types';
import { Env, Loop, recordEvent } from './env';
import { formatQuantity, keyOf, nameOf, Obj, quantity, splitKey } from './util';
import { WorkQueue } from './workqueue';

const COMPONENT = 'persistentvolume-controller';
const SELECTED_NODE = 'volume.kubernetes.io/selected-node';

export function startVolumeController(env: Env): Loop {
  const { ctx, inf } = env;
  const queue = new WorkQueue(ctx.clock, 'persistentvolume', key =>
    syncClaim(env, key),
  );
  // Status writes of its own do not retrigger a claim.
  const relevant = (o: KubeObject | undefined) =>
    JSON.stringify([
      (o as Obj)?.spec,
      o?.metadata?.annotations,
      o?.metadata?.deletionTimestamp,
    ]);
  inf.pvcs.onChange((type, pvc, old) => {
    if (type === 'DELETED') releaseVolume(env, pvc as Obj);
    else if (type === 'ADDED' || relevant(pvc) !== relevant(old))
      queue.add(keyOf(pvc));
  });
  const stopWatch = ctx.store.watch('storage.k8s.io/storageclasses', {}, () => {
    for (const pvc of inf.pvcs.items.values()) {
      if ((pvc as Obj).status?.phase !== 'Bound') queue.add(keyOf(pvc));
    }
  });
  for (const pvc of inf.pvcs.items.values()) queue.add(keyOf(pvc));
  return {
    stop: () => {
      queue.stop();
      stopWatch();
    },
  };
}

function storageClass(env: Env, name: string | undefined): Obj | undefined {
  if (!name) return undefined;
  return env.ctx.store.tryGet(
    'storage.k8s.io/storageclasses',
    undefined,
    name,
  ) as Obj | undefined;
}

/** Claims that cannot be provisioned are looked at again every 15s. */
const RESYNC_MS = 15_000;

function syncClaim(env: Env, key: string): number | undefined {
  const [ns, name] = splitKey(key);
  const pvc = env.ctx.store.tryGet('persistentvolumeclaims', ns, name) as
    | Obj
    | undefined;
  if (!pvc || pvc.metadata.deletionTimestamp) return undefined;
  if (pvc.spec?.volumeName) {
    if (pvc.status?.phase === 'Bound') resize(env, pvc);
    else markBound(env, pvc, quantity(pvc.spec?.resources?.requests?.storage));
    return undefined;
  }
  const className: string | undefined = pvc.spec?.storageClassName;
  const sc = storageClass(env, className);
  if (!sc) {
    setPending(env, pvc);
    const message = className
      ? `storageclass.storage.k8s.io "${className}" not found`
      : 'no persistent volumes available for this claim and no storage class is set';
    recordEvent(
      env,
      pvc,
      'Warning',
      className ? 'ProvisioningFailed' : 'FailedBinding',
      message,
      COMPONENT,
    );
    return RESYNC_MS;
  }
  const selectedNode = pvc.metadata.annotations?.[SELECTED_NODE];
  if (sc.volumeBindingMode === 'WaitForFirstConsumer' && !selectedNode) {
    setPending(env, pvc);
    recordEvent(
      env,
      pvc,
      'Normal',
      'WaitForFirstConsumer',
      'waiting for first consumer to be created before binding',
      COMPONENT,
    );
    return undefined;
  }
  provision(env, pvc, sc);
  return undefined;
}

function setPending(env: Env, pvc: Obj): void {
  if (pvc.status?.phase === 'Pending') return;
  env.ctx.store.updateStatus({
    ...pvc,
    status: { ...(pvc.status ?? {}), phase: 'Pending' },
  } as KubeObject);
}

function provision(env: Env, pvc: Obj, sc: Obj): void {
  const { store } = env.ctx;
  const pvName = `pvc-${pvc.metadata.uid}`;
  const size = pvc.spec?.resources?.requests?.storage ?? '1Gi';
  const provisioner = sc.provisioner ?? 'kubernetes.io/no-provisioner';
  if (!store.tryGet('persistentvolumes', undefined, pvName)) {
    store.create({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: {
        name: pvName,
        annotations: { 'pv.kubernetes.io/provisioned-by': provisioner },
        finalizers: ['kubernetes.io/pv-protection'],
      },
      spec: {
        capacity: { storage: size },
        accessModes: pvc.spec?.accessModes ?? ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
        storageClassName: nameOf(sc as KubeObject),
        volumeMode: pvc.spec?.volumeMode ?? 'Filesystem',
        claimRef: {
          kind: 'PersistentVolumeClaim',
          namespace: pvc.metadata.namespace,
          name: pvc.metadata.name,
          uid: pvc.metadata.uid,
          apiVersion: 'v1',
        },
        csi: { driver: provisioner, volumeHandle: pvName, fsType: 'ext4' },
      },
      status: { phase: 'Bound' },
    } as KubeObject);
    const pv = store.get('persistentvolumes', undefined, pvName);
    store.updateStatus({ ...pv, status: { phase: 'Bound' } });
  }
  recordEvent(
    env,
    pvc,
    'Normal',
    'ProvisioningSucceeded',
    `Successfully provisioned volume ${pvName}`,
    provisioner,
  );
  const latest = store.get(
    'persistentvolumeclaims',
    pvc.metadata.namespace,
    pvc.metadata.name,
  ) as Obj;
  store.update({
    ...latest,
    metadata: {
      ...latest.metadata,
      annotations: {
        ...(latest.metadata?.annotations ?? {}),
        'pv.kubernetes.io/bind-completed': 'yes',
        'pv.kubernetes.io/bound-by-controller': 'yes',
        'volume.beta.kubernetes.io/storage-provisioner': provisioner,
        'volume.kubernetes.io/storage-provisioner': provisioner,
      },
    },
    spec: { ...latest.spec, volumeName: pvName },
  } as KubeObject);
  markBound(
    env,
    store.get(
      'persistentvolumeclaims',
      pvc.metadata.namespace,
      pvc.metadata.name,
    ) as Obj,
    quantity(size),
  );
}

function markBound(env: Env, pvc: Obj, bytes: number): void {
  const status = {
    phase: 'Bound',
    accessModes: pvc.spec?.accessModes ?? ['ReadWriteOnce'],
    capacity: {
      storage:
        pvc.status?.capacity?.storage ?? formatQuantity(bytes, 'storage'),
    },
  };
  if (JSON.stringify(status) === JSON.stringify(pvc.status)) return;
  env.ctx.store.updateStatus({ ...pvc, status } as KubeObject);
}

/** Expansion: allowed by admission only when the class allows it. */
function resize(env: Env, pvc: Obj): void {
  const wanted = quantity(pvc.spec?.resources?.requests?.storage);
  const current = quantity(pvc.status?.capacity?.storage);
  if (wanted <= current) return;
  const sc = storageClass(env, pvc.spec?.storageClassName);
  if (!sc?.allowVolumeExpansion) return;
  const { store } = env.ctx;
  const text = pvc.spec.resources.requests.storage;
  const pv = store.tryGet(
    'persistentvolumes',
    undefined,
    pvc.spec.volumeName,
  ) as Obj | undefined;
  if (pv) {
    store.update({
      ...pv,
      spec: {
        ...pv.spec,
        capacity: { ...(pv.spec?.capacity ?? {}), storage: text },
      },
    } as KubeObject);
  }
  store.updateStatus({
    ...pvc,
    status: {
      ...pvc.status,
      capacity: { ...(pvc.status?.capacity ?? {}), storage: text },
    },
  } as KubeObject);
  recordEvent(
    env,
    pvc,
    'Normal',
    'FileSystemResizeSuccessful',
    `MountVolume.NodeExpandVolume succeeded for volume "${pvc.spec.volumeName}"`,
    'kubelet',
  );
}

/** Reclaim policy Delete: the volume goes with its claim. */
function releaseVolume(env: Env, pvc: Obj): void {
  const pvName = pvc.spec?.volumeName;
  if (!pvName) return;
  const { store } = env.ctx;
  const pv = store.tryGet('persistentvolumes', undefined, pvName) as
    | Obj
    | undefined;
  if (!pv) return;
  env.ctx.clock.setTimeout(() => {
    try {
      const latest = store.tryGet('persistentvolumes', undefined, pvName) as
        | Obj
        | undefined;
      if (!latest) return;
      if (
        (latest.spec?.persistentVolumeReclaimPolicy ?? 'Delete') === 'Delete'
      ) {
        store.update({
          ...latest,
          metadata: { ...latest.metadata, finalizers: [] },
        } as KubeObject);
        if (store.tryGet('persistentvolumes', undefined, pvName))
          store.delete('persistentvolumes', undefined, pvName);
      } else {
        store.updateStatus({
          ...latest,
          status: { phase: 'Released' },
        } as KubeObject);
      }
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
    }
  }, 0);
}
