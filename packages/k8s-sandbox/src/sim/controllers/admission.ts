/**
 * The admission chain the API server runs on CREATE (and some UPDATEs), in
 * the real order: defaults, LimitRanger defaults, ServiceAccount,
 * DefaultTolerationSeconds, Priority, then LimitRanger and ResourceQuota
 * validation. Refusals throw 403 Forbidden with Kubernetes' messages.
 */
import { forbidden } from '../../api/errors';
import type { AdmissionRequest, ObjectStore } from '../../api/store';
import type { KubeObject } from '../../api/types';
import type { SimContext } from '../context';
import type { Informers } from './informers';
import { applyPodDefaults, qosClass } from './pods';
import { PodUsageTracker, quotaAdmission } from './quota';
import { formatQuantity, nameOf, Obj, quantity } from './util';

const BUILTIN_PRIORITY: Record<string, number> = {
  'system-cluster-critical': 2000000000,
  'system-node-critical': 2000001000,
};

export function installAdmission(
  ctx: SimContext,
  informers: Informers,
  tracker: PodUsageTracker,
): () => void {
  const quota = quotaAdmission(ctx, informers, tracker);
  const removers = [
    ctx.store.addAdmissionHook(req => {
      const storage = req.resource.storage;
      if (storage === 'pods' && req.operation === 'CREATE' && req.object) {
        admitPod(ctx.store, req);
      } else if (storage === 'persistentvolumeclaims') {
        admitClaim(ctx.store, req);
      } else if (storage === 'batch/jobs' && req.operation !== 'DELETE') {
        defaultJob(req);
      }
      quota(req);
    }),
  ];
  return () => removers.forEach(r => r());
}

function podForbidden(req: AdmissionRequest, message: string) {
  return forbidden(`pods "${req.name}" is forbidden: ${message}`, {
    group: '',
    resource: 'pods',
    name: req.name,
  });
}

function admitPod(store: ObjectStore, req: AdmissionRequest): void {
  const pod = req.object as Obj;
  const spec = (pod.spec ??= {});
  applyPodDefaults(spec);
  const ranges = store
    .list('limitranges', { namespace: req.namespace })
    .items.map(r => r as Obj);
  for (const range of ranges) applyLimitRangeDefaults(spec, range);
  addDefaultTolerations(spec);
  resolvePriority(store, req, spec);
  pod.status ??= {};
  pod.status.phase ??= 'Pending';
  pod.status.qosClass = qosClass(spec);
  const errors = ranges.flatMap(r => limitRangeErrors(spec, r));
  if (errors.length === 1) throw podForbidden(req, errors[0]);
  if (errors.length > 1) throw podForbidden(req, `[${errors.join(', ')}]`);
}

/** DefaultTolerationSeconds: tolerate not-ready/unreachable for 300s. */
function addDefaultTolerations(spec: Obj): void {
  const tolerations: Obj[] = (spec.tolerations ??= []);
  for (const key of [
    'node.kubernetes.io/not-ready',
    'node.kubernetes.io/unreachable',
  ]) {
    const tolerated = tolerations.some(
      t =>
        (t.key === key || (!t.key && t.operator === 'Exists')) &&
        (!t.effect || t.effect === 'NoExecute'),
    );
    if (!tolerated) {
      tolerations.push({
        key,
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: 300,
      });
    }
  }
}

function resolvePriority(
  store: ObjectStore,
  req: AdmissionRequest,
  spec: Obj,
): void {
  const name: string | undefined = spec.priorityClassName;
  if (name) {
    if (BUILTIN_PRIORITY[name] !== undefined) {
      spec.priority = BUILTIN_PRIORITY[name];
      return;
    }
    const pc = store.tryGet(
      'scheduling.k8s.io/priorityclasses',
      undefined,
      name,
    );
    if (!pc) {
      throw podForbidden(req, `no PriorityClass with name ${name} was found`);
    }
    spec.priority = (pc as Obj).value ?? 0;
    if ((pc as Obj).preemptionPolicy) {
      spec.preemptionPolicy = (pc as Obj).preemptionPolicy;
    }
    return;
  }
  const global = store
    .list('scheduling.k8s.io/priorityclasses')
    .items.find(pc => (pc as Obj).globalDefault === true) as Obj | undefined;
  if (global) {
    spec.priorityClassName = nameOf(global);
    spec.priority = global.value ?? 0;
  } else {
    spec.priority ??= 0;
  }
}

// ------------------------------------------------------------- LimitRange

/** A LimitRange item with the API's defaults (default<-max, request<-default<-min). */
function limitItem(item: Obj): Obj {
  const out: Obj = {
    ...item,
    default: { ...(item.default ?? {}) },
    defaultRequest: { ...(item.defaultRequest ?? {}) },
  };
  for (const [k, v] of Object.entries(item.max ?? {})) out.default[k] ??= v;
  for (const [k, v] of Object.entries(out.default)) {
    out.defaultRequest[k] ??= v;
  }
  for (const [k, v] of Object.entries(item.min ?? {})) {
    out.defaultRequest[k] ??= v;
  }
  return out;
}

function containerItems(range: Obj, type: string): Obj[] {
  return (range.spec?.limits ?? [])
    .filter((l: Obj) => (l.type ?? 'Container') === type)
    .map(limitItem);
}

function applyLimitRangeDefaults(spec: Obj, range: Obj): void {
  for (const item of containerItems(range, 'Container')) {
    for (const c of [
      ...(spec.containers ?? []),
      ...(spec.initContainers ?? []),
    ]) {
      const res = (c.resources ??= {});
      for (const [k, v] of Object.entries(item.default)) {
        res.limits ??= {};
        res.limits[k] ??= v;
      }
      for (const [k, v] of Object.entries(item.defaultRequest)) {
        res.requests ??= {};
        res.requests[k] ??= v;
      }
    }
  }
}

function sumOf(
  containers: Obj[],
  which: string,
  resource: string,
): string | undefined {
  let any = false;
  let total = 0;
  for (const c of containers) {
    const v = c.resources?.[which]?.[resource];
    if (v !== undefined) {
      any = true;
      total += quantity(v);
    }
  }
  return any ? formatQuantity(total, resource) : undefined;
}

function constraintErrors(
  item: Obj,
  type: string,
  requests: Obj,
  limits: Obj,
): string[] {
  const errors: string[] = [];
  const fmt = (r: string, v: unknown) => formatQuantity(quantity(v), r);
  for (const r of Object.keys(item.min ?? {}).sort()) {
    const min = quantity(item.min[r]);
    const enforced = fmt(r, item.min[r]);
    if (requests[r] === undefined) {
      errors.push(
        `minimum ${r} usage per ${type} is ${enforced}.  No request is specified`,
      );
    } else if (quantity(requests[r]) < min) {
      errors.push(
        `minimum ${r} usage per ${type} is ${enforced}, but request is ${fmt(
          r,
          requests[r],
        )}`,
      );
    } else if (limits[r] !== undefined && quantity(limits[r]) < min) {
      errors.push(
        `minimum ${r} usage per ${type} is ${enforced}, but limit is ${fmt(
          r,
          limits[r],
        )}`,
      );
    }
  }
  for (const r of Object.keys(item.max ?? {}).sort()) {
    const max = quantity(item.max[r]);
    const enforced = fmt(r, item.max[r]);
    if (limits[r] === undefined) {
      errors.push(
        `maximum ${r} usage per ${type} is ${enforced}.  No limit is specified`,
      );
    } else if (quantity(limits[r]) > max) {
      errors.push(
        `maximum ${r} usage per ${type} is ${enforced}, but limit is ${fmt(
          r,
          limits[r],
        )}`,
      );
    } else if (requests[r] !== undefined && quantity(requests[r]) > max) {
      errors.push(
        `maximum ${r} usage per ${type} is ${enforced}, but request is ${fmt(
          r,
          requests[r],
        )}`,
      );
    }
  }
  for (const r of Object.keys(item.maxLimitRequestRatio ?? {}).sort()) {
    const enforced = item.maxLimitRequestRatio[r];
    const req = quantity(requests[r]);
    if (!req) {
      errors.push(
        `${r} max limit to request ratio per ${type} is ${enforced}, but no request is specified or request is 0`,
      );
      continue;
    }
    const ratio = quantity(limits[r]) / req;
    if (ratio > quantity(enforced)) {
      errors.push(
        `${r} max limit to request ratio per ${type} is ${enforced}, but provided ratio is ${ratio.toFixed(
          6,
        )}`,
      );
    }
  }
  return errors;
}

function limitRangeErrors(spec: Obj, range: Obj): string[] {
  const errors: string[] = [];
  const containers: Obj[] = [
    ...(spec.containers ?? []),
    ...(spec.initContainers ?? []),
  ];
  for (const item of containerItems(range, 'Container')) {
    for (const c of containers) {
      errors.push(
        ...constraintErrors(
          item,
          'Container',
          c.resources?.requests ?? {},
          c.resources?.limits ?? {},
        ),
      );
    }
  }
  for (const item of containerItems(range, 'Pod')) {
    const requests: Obj = {};
    const limits: Obj = {};
    for (const r of new Set([
      ...Object.keys(item.min ?? {}),
      ...Object.keys(item.max ?? {}),
      ...Object.keys(item.maxLimitRequestRatio ?? {}),
    ])) {
      const req = sumOf(spec.containers ?? [], 'requests', r);
      const lim = sumOf(spec.containers ?? [], 'limits', r);
      if (req !== undefined) requests[r] = req;
      if (lim !== undefined) limits[r] = lim;
    }
    errors.push(...constraintErrors(item, 'Pod', requests, limits));
  }
  return errors;
}

// ------------------------------------------------------------------- PVCs

export function defaultStorageClass(
  store: ObjectStore,
): KubeObject | undefined {
  return store
    .list('storage.k8s.io/storageclasses')
    .items.find(
      sc =>
        sc.metadata?.annotations?.[
          'storageclass.kubernetes.io/is-default-class'
        ] === 'true',
    );
}

function admitClaim(store: ObjectStore, req: AdmissionRequest): void {
  const pvc = req.object as Obj | undefined;
  if (!pvc) return;
  if (req.operation === 'CREATE') {
    pvc.spec ??= {};
    if (pvc.spec.storageClassName === undefined) {
      const def = defaultStorageClass(store);
      if (def) pvc.spec.storageClassName = nameOf(def);
    }
    pvc.spec.volumeMode ??= 'Filesystem';
    return;
  }
  if (req.operation !== 'UPDATE' || req.subresource === 'status') return;
  const old = req.oldObject as Obj;
  const before = quantity(old?.spec?.resources?.requests?.storage);
  const after = quantity(pvc.spec?.resources?.requests?.storage);
  if (after <= before) return;
  const className = old?.spec?.storageClassName;
  const sc = className
    ? (store.tryGet('storage.k8s.io/storageclasses', undefined, className) as
        | Obj
        | undefined)
    : undefined;
  if (!old?.spec?.volumeName || !sc?.allowVolumeExpansion) {
    throw forbidden(
      `persistentvolumeclaims "${req.name}" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize`,
      { group: '', resource: 'persistentvolumeclaims', name: req.name },
    );
  }
}

// ------------------------------------------------------------------- Jobs

/** The Job defaults the API server adds: generated selector and labels. */
function defaultJob(req: AdmissionRequest): void {
  const job = req.object as Obj | undefined;
  if (!job) return;
  const uid = job.metadata?.uid ?? req.oldObject?.metadata?.uid;
  const name = job.metadata?.name;
  const spec = (job.spec ??= {});
  // Completions defaults to 1 only when parallelism is unset too.
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  if (spec.manualSelector) return;
  const labels = {
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': name,
    'controller-uid': uid,
    'job-name': name,
  };
  spec.selector ??= {
    matchLabels: { 'batch.kubernetes.io/controller-uid': uid },
  };
  spec.template ??= {};
  spec.template.metadata ??= {};
  spec.template.metadata.labels = {
    ...(spec.template.metadata.labels ?? {}),
    ...labels,
  };
}
