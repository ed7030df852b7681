import type { ObjectRef } from '@internal/plugin-ai-sre-common';
import type { K8sObject } from '@internal/plugin-ai-sre-node';
import { refOf } from '../detectors/util';
import type { ObjectCache } from '../ObjectCache';
import {
  isOwnedByCronJob,
  templateOf,
  WORKLOAD_KINDS,
  workloadLabels,
} from './project';

/** A workload that reads a ConfigMap or Secret, and how. */
export interface WorkloadReference {
  workload: ObjectRef;
  /** Its pod-template labels (for entity mapping). */
  labels: Record<string, string>;
  /** How it reads it: `env CACHE_TTL`, `envFrom`, `volume config`. */
  via: string[];
}

/** How a pod template reads a ConfigMap or Secret (empty if it does not). */
export function referencesIn(
  template: any,
  kind: 'ConfigMap' | 'Secret',
  name: string,
): string[] {
  const spec = template?.spec ?? {};
  const via = new Set<string>();
  const refKey = kind === 'ConfigMap' ? 'configMapKeyRef' : 'secretKeyRef';
  const fromKey = kind === 'ConfigMap' ? 'configMapRef' : 'secretRef';
  for (const c of [
    ...(spec.initContainers ?? []),
    ...(spec.containers ?? []),
  ]) {
    for (const env of c.env ?? []) {
      if (env.valueFrom?.[refKey]?.name === name) via.add(`env ${env.name}`);
    }
    for (const from of c.envFrom ?? []) {
      if (from[fromKey]?.name === name) via.add('envFrom');
    }
  }
  for (const v of spec.volumes ?? []) {
    const direct =
      kind === 'ConfigMap'
        ? v.configMap?.name === name
        : v.secret?.secretName === name;
    const projected = (v.projected?.sources ?? []).some((s: any) =>
      kind === 'ConfigMap'
        ? s.configMap?.name === name
        : s.secret?.name === name,
    );
    if (direct || projected) via.add(`volume ${v.name}`);
  }
  return [...via];
}

/**
 * The workloads of a namespace whose pod template reads a ConfigMap or
 * Secret (env valueFrom, envFrom, volumes), sorted by kind and name. Jobs
 * created by a CronJob are represented by their CronJob.
 */
export function referencingWorkloads(
  cache: ObjectCache,
  namespace: string,
  kind: 'ConfigMap' | 'Secret',
  name: string,
): WorkloadReference[] {
  const out: WorkloadReference[] = [];
  for (const workloadKind of WORKLOAD_KINDS) {
    const objects: K8sObject[] = cache.list(workloadKind, namespace);
    for (const object of objects) {
      if (workloadKind === 'Job' && isOwnedByCronJob(object)) continue;
      const via = referencesIn(templateOf(workloadKind, object), kind, name);
      if (!via.length) continue;
      out.push({
        workload: refOf({ ...object, kind: workloadKind }),
        labels: workloadLabels(workloadKind, object),
        via,
      });
    }
  }
  return out.sort(
    (a, b) =>
      WORKLOAD_KINDS.indexOf(a.workload.kind as any) -
        WORKLOAD_KINDS.indexOf(b.workload.kind as any) ||
      a.workload.name.localeCompare(b.workload.name),
  );
}

/** Workloads of a namespace whose pod-template labels match a selector. */
export function selectedWorkloads(
  cache: ObjectCache,
  namespace: string,
  selector: Record<string, string> | undefined,
): Array<{ workload: ObjectRef; labels: Record<string, string> }> {
  const entries = Object.entries(selector ?? {});
  if (!entries.length) return [];
  const out: Array<{ workload: ObjectRef; labels: Record<string, string> }> =
    [];
  for (const workloadKind of WORKLOAD_KINDS) {
    if (workloadKind === 'Job' || workloadKind === 'CronJob') continue;
    for (const object of cache.list(workloadKind, namespace)) {
      const labels = workloadLabels(workloadKind, object);
      if (entries.every(([key, value]) => labels[key] === value)) {
        out.push({
          workload: refOf({ ...object, kind: workloadKind }),
          labels,
        });
      }
    }
  }
  return out.sort((a, b) =>
    `${a.workload.kind}/${a.workload.name}`.localeCompare(
      `${b.workload.kind}/${b.workload.name}`,
    ),
  );
}
