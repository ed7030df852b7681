/**
 * The StatefulSet controller: pods `<set>-0..N-1` with stable names and
 * claims `<template>-<set>-<ordinal>`, created in order (OrderedReady waits
 * for each to be Running and Ready; Parallel does not), rolled from the
 * highest ordinal, and never replaced while the old pod object exists (a
 * pod stuck Terminating on a lost node blocks its ordinal).
 */
import { ApiError } from '../../api/errors';
import type { KubeObject } from '../../api/types';
import { Env, Loop, podsControlledBy, recordEvent } from './env';
import { podFromTemplate } from './pods';
import {
  availableAt,
  clone,
  controllerRef,
  isPodAvailable,
  isPodReady,
  keyOf,
  Obj,
  ownerRefTo,
  splitKey,
  templateHash,
} from './util';
import { WorkQueue } from './workqueue';

const COMPONENT = 'statefulset-controller';
export const REVISION_LABEL = 'controller-revision-hash';

export function startStatefulSetController(env: Env): Loop {
  const { ctx, inf } = env;
  const queue = new WorkQueue(ctx.clock, 'statefulset', key =>
    syncStatefulSet(env, key),
  );
  inf.statefulSets.onChange((type, sts) => {
    if (type !== 'DELETED') queue.add(keyOf(sts));
  });
  inf.pods.onChange((_t, pod, old) => {
    for (const p of [pod, old]) {
      const owner = p && controllerRef(p);
      if (owner?.kind === 'StatefulSet')
        queue.add(`${p!.metadata?.namespace}/${owner.name}`);
    }
  });
  for (const sts of inf.statefulSets.items.values()) queue.add(keyOf(sts));
  return { stop: () => queue.stop() };
}

function ordinalOf(setName: string, pod: KubeObject): number | undefined {
  const name = pod.metadata?.name ?? '';
  if (!name.startsWith(`${setName}-`)) return undefined;
  const n = Number(name.slice(setName.length + 1));
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

function runningAndReady(pod: KubeObject): boolean {
  return (pod as Obj).status?.phase === 'Running' && isPodReady(pod);
}

interface Revisions {
  update: string;
  current: string;
  currentTemplate: Obj;
}

function syncStatefulSet(env: Env, key: string): number | undefined {
  const [ns, name] = splitKey(key);
  const sts = env.ctx.store.tryGet('apps/statefulsets', ns, name) as
    | Obj
    | undefined;
  if (!sts || sts.metadata.deletionTimestamp) return undefined;
  const revisions = ensureRevisions(env, sts);
  const pods = podsControlledBy(env, sts.metadata.uid);
  const byOrdinal = new Map<number, Obj>();
  for (const p of pods) {
    const i = ordinalOf(name!, p);
    if (i !== undefined) byOrdinal.set(i, p as Obj);
  }
  const replicas: number = sts.spec?.replicas ?? 1;
  const ordered =
    (sts.spec?.podManagementPolicy ?? 'OrderedReady') === 'OrderedReady';
  const blocked = createAndRepair(
    env,
    sts,
    byOrdinal,
    replicas,
    ordered,
    revisions,
  );
  if (!blocked) deleteCondemned(env, sts, byOrdinal, replicas, ordered);
  if (!blocked) rollingUpdate(env, sts, byOrdinal, replicas, revisions);
  return writeStatus(env, sts, revisions);
}

/** Creates missing pods and replaces failed ones; true when waiting (OrderedReady). */
function createAndRepair(
  env: Env,
  sts: Obj,
  byOrdinal: Map<number, Obj>,
  replicas: number,
  ordered: boolean,
  revisions: Revisions,
): boolean {
  for (let i = 0; i < replicas; i++) {
    const pod = byOrdinal.get(i);
    if (!pod) {
      createPod(env, sts, i, revisions);
      if (ordered) return true;
      continue;
    }
    if (pod.metadata.deletionTimestamp) {
      if (ordered) return true;
      continue;
    }
    if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') {
      deletePod(env, sts, pod);
      if (ordered) return true;
      continue;
    }
    if (ordered && !runningAndReady(pod)) return true;
  }
  return false;
}

function deleteCondemned(
  env: Env,
  sts: Obj,
  byOrdinal: Map<number, Obj>,
  replicas: number,
  ordered: boolean,
): void {
  const condemned = [...byOrdinal.entries()]
    .filter(([i]) => i >= replicas)
    .sort((a, b) => b[0] - a[0]);
  for (const [, pod] of condemned) {
    if (pod.metadata.deletionTimestamp) {
      if (ordered) return;
      continue;
    }
    deletePod(env, sts, pod);
    if (ordered) return;
  }
}

function rollingUpdate(
  env: Env,
  sts: Obj,
  byOrdinal: Map<number, Obj>,
  replicas: number,
  revisions: Revisions,
): void {
  const strategy = sts.spec?.updateStrategy ?? {};
  if ((strategy.type ?? 'RollingUpdate') !== 'RollingUpdate') return;
  const partition: number = strategy.rollingUpdate?.partition ?? 0;
  for (let i = replicas - 1; i >= partition; i--) {
    const pod = byOrdinal.get(i);
    if (!pod) return;
    if (pod.metadata.deletionTimestamp || !runningAndReady(pod)) return;
    if (pod.metadata.labels?.[REVISION_LABEL] !== revisions.update) {
      deletePod(env, sts, pod);
      return;
    }
  }
}

function ensureRevisions(env: Env, sts: Obj): Revisions {
  const template = sts.spec?.template ?? {};
  const update = `${sts.metadata.name}-${templateHash(
    template,
    sts.status?.collisionCount ?? 0,
  )}`;
  const current = sts.status?.currentRevision ?? update;
  const { store } = env.ctx;
  const ns = sts.metadata.namespace;
  if (!store.tryGet('apps/controllerrevisions', ns, update)) {
    const existing = store
      .list('apps/controllerrevisions', { namespace: ns })
      .items.filter(r => controllerRef(r)?.uid === sts.metadata.uid);
    const revision =
      existing.reduce((m, r) => Math.max(m, (r as Obj).revision ?? 0), 0) + 1;
    store.create({
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: update,
        namespace: ns,
        labels: {
          ...(template.metadata?.labels ?? {}),
          [REVISION_LABEL]: update.slice(sts.metadata.name.length + 1),
        },
        ownerReferences: [ownerRefTo(sts)],
      },
      data: { spec: { template: { ...clone(template), $patch: 'replace' } } },
      revision,
    } as KubeObject);
  }
  const stored = store.tryGet('apps/controllerrevisions', ns, current) as
    | Obj
    | undefined;
  const currentTemplate = stored?.data?.spec?.template ?? template;
  return { update, current, currentTemplate };
}

function createPod(
  env: Env,
  sts: Obj,
  ordinal: number,
  revisions: Revisions,
): void {
  const ns = sts.metadata.namespace;
  const setName = sts.metadata.name;
  const podName = `${setName}-${ordinal}`;
  const partition = sts.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
  const useCurrent =
    ordinal < partition && revisions.current !== revisions.update;
  const template = useCurrent ? revisions.currentTemplate : sts.spec?.template;
  const volumes: Obj[] = [...(clone(template?.spec?.volumes) ?? [])];
  for (const claimTemplate of sts.spec?.volumeClaimTemplates ?? []) {
    const tname = claimTemplate.metadata?.name;
    const claimName = `${tname}-${setName}-${ordinal}`;
    if (!ensureClaim(env, sts, claimTemplate, claimName, podName)) return;
    const i = volumes.findIndex(v => v.name === tname);
    const volume = { name: tname, persistentVolumeClaim: { claimName } };
    if (i >= 0) volumes[i] = volume;
    else volumes.push(volume);
  }
  const pod = podFromTemplate({
    template,
    name: podName,
    namespace: ns,
    owner: sts,
    labels: {
      [REVISION_LABEL]: useCurrent ? revisions.current : revisions.update,
      'statefulset.kubernetes.io/pod-name': podName,
      'apps.kubernetes.io/pod-index': String(ordinal),
    },
    spec: {
      hostname: podName,
      ...(sts.spec?.serviceName ? { subdomain: sts.spec.serviceName } : {}),
      ...(volumes.length ? { volumes } : {}),
    },
  });
  try {
    env.ctx.store.create(pod);
    recordEvent(
      env,
      sts,
      'Normal',
      'SuccessfulCreate',
      `create Pod ${podName} in StatefulSet ${setName} successful`,
      COMPONENT,
    );
  } catch (error) {
    const message = error instanceof ApiError ? error.message : String(error);
    recordEvent(
      env,
      sts,
      'Warning',
      'FailedCreate',
      `create Pod ${podName} in StatefulSet ${setName} failed error: ${message}`,
      COMPONENT,
    );
  }
}

function ensureClaim(
  env: Env,
  sts: Obj,
  claimTemplate: Obj,
  claimName: string,
  podName: string,
): boolean {
  const ns = sts.metadata.namespace;
  if (env.ctx.store.tryGet('persistentvolumeclaims', ns, claimName))
    return true;
  try {
    env.ctx.store.create({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: claimName,
        namespace: ns,
        labels: {
          ...(sts.spec?.selector?.matchLabels ?? {}),
          ...(claimTemplate.metadata?.labels ?? {}),
        },
        ...(claimTemplate.metadata?.annotations
          ? { annotations: { ...claimTemplate.metadata.annotations } }
          : {}),
      },
      spec: clone(claimTemplate.spec ?? {}),
    } as KubeObject);
    recordEvent(
      env,
      sts,
      'Normal',
      'SuccessfulCreate',
      `create Claim ${claimName} Pod ${podName} in StatefulSet ${sts.metadata.name} success`,
      COMPONENT,
    );
    return true;
  } catch (error) {
    const message = error instanceof ApiError ? error.message : String(error);
    recordEvent(
      env,
      sts,
      'Warning',
      'FailedCreate',
      `create Claim ${claimName} for Pod ${podName} in StatefulSet ${sts.metadata.name} failed error: ${message}`,
      COMPONENT,
    );
    return false;
  }
}

function deletePod(env: Env, sts: Obj, pod: Obj): void {
  env.ctx.store.delete('pods', pod.metadata.namespace, pod.metadata.name);
  recordEvent(
    env,
    sts,
    'Normal',
    'SuccessfulDelete',
    `delete Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} successful`,
    COMPONENT,
  );
}

function writeStatus(
  env: Env,
  sts: Obj,
  revisions: Revisions,
): number | undefined {
  const now = env.ctx.clock.now();
  const minReady = sts.spec?.minReadySeconds ?? 0;
  const pods = podsControlledBy(env, sts.metadata.uid) as Obj[];
  const status: Obj = {
    observedGeneration: sts.metadata.generation ?? 1,
    replicas: 0,
    readyReplicas: 0,
    currentReplicas: 0,
    updatedReplicas: 0,
    availableReplicas: 0,
    currentRevision: revisions.current,
    updateRevision: revisions.update,
    collisionCount: sts.status?.collisionCount ?? 0,
  };
  let next: number | undefined;
  for (const pod of pods) {
    status.replicas++;
    if (runningAndReady(pod)) {
      status.readyReplicas++;
      if (isPodAvailable(pod, minReady, now)) status.availableReplicas++;
      const at = availableAt(pod, minReady);
      if (at !== undefined && at > now)
        next = Math.min(next ?? Infinity, at - now);
    }
    if (!pod.metadata.deletionTimestamp) {
      const rev = pod.metadata.labels?.[REVISION_LABEL];
      if (rev === revisions.current) status.currentReplicas++;
      if (rev === revisions.update) status.updatedReplicas++;
    }
  }
  if (
    status.updatedReplicas === status.replicas &&
    status.readyReplicas === status.replicas
  ) {
    status.currentReplicas = status.updatedReplicas;
    status.currentRevision = revisions.update;
  }
  if (JSON.stringify(status) !== JSON.stringify(sts.status ?? {})) {
    const latest = env.ctx.store.tryGet(
      'apps/statefulsets',
      sts.metadata.namespace,
      sts.metadata.name,
    );
    if (latest) env.ctx.store.updateStatus({ ...latest, status } as KubeObject);
  }
  return next;
}
