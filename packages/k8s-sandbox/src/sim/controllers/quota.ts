/**
 * ResourceQuota: per-namespace usage of quota-tracked pod resources (kept
 * incrementally from the pod cache), the admission check with the API
 * server's messages, and the controller that keeps `status.used` current.
 */
import { forbidden } from '../../api/errors';
import type { AdmissionRequest } from '../../api/store';
import type { KubeObject } from '../../api/types';
import type { SimContext } from '../context';
import type { Informers } from './informers';
import { podResources } from './pods';
import {
  formatQuantity,
  isActive,
  keyOf,
  nameOf,
  Obj,
  quantity,
  splitKey,
} from './util';
import { WorkQueue } from './workqueue';

type Usage = Record<string, number>;

/** What one pod counts against a quota (resource names as quotas use). */
export function podQuotaUsage(pod: KubeObject): Usage {
  const requests = podResources(pod, 'requests');
  const limits = podResources(pod, 'limits');
  const usage: Usage = { pods: 1, 'count/pods': 1 };
  for (const [name, value] of Object.entries(requests)) {
    usage[`requests.${name}`] = value;
    if (name === 'cpu' || name === 'memory' || name === 'ephemeral-storage') {
      usage[name] = value;
    }
  }
  for (const [name, value] of Object.entries(limits)) {
    usage[`limits.${name}`] = value;
  }
  return usage;
}

/** Pods count against quota until they finish or are being deleted. */
function counts(pod: KubeObject): boolean {
  return isActive(pod);
}

/** Sum of quota usage of counted pods, per namespace, kept incrementally. */
export class PodUsageTracker {
  private readonly perPod = new Map<string, Usage>();
  private readonly perNs = new Map<string, Usage>();

  constructor(informers: Informers, onChange: (namespace: string) => void) {
    for (const pod of informers.pods.items.values()) this.update(pod, false);
    informers.pods.onChange((type, pod) => {
      if (this.update(pod, type === 'DELETED')) {
        onChange(pod.metadata?.namespace ?? '');
      }
    });
  }

  usage(namespace: string): Usage {
    return this.perNs.get(namespace) ?? {};
  }

  private update(pod: KubeObject, deleted: boolean): boolean {
    const key = keyOf(pod);
    const ns = pod.metadata?.namespace ?? '';
    const before = this.perPod.get(key);
    const after = !deleted && counts(pod) ? podQuotaUsage(pod) : undefined;
    if (!before && !after) return false;
    let total = this.perNs.get(ns);
    if (!total) this.perNs.set(ns, (total = {}));
    for (const [k, v] of Object.entries(before ?? {})) total[k] -= v;
    for (const [k, v] of Object.entries(after ?? {})) {
      total[k] = (total[k] ?? 0) + v;
    }
    if (after) this.perPod.set(key, after);
    else this.perPod.delete(key);
    return true;
  }
}

const CORE_COUNTS: Record<string, string> = {
  services: 'services',
  configmaps: 'configmaps',
  secrets: 'secrets',
  persistentvolumeclaims: 'persistentvolumeclaims',
  replicationcontrollers: 'replicationcontrollers',
  resourcequotas: 'resourcequotas',
};

/** `count/deployments.apps` -> storage key `apps/deployments`. */
function countedStorage(resource: string): string | undefined {
  if (CORE_COUNTS[resource]) return CORE_COUNTS[resource];
  if (!resource.startsWith('count/')) return undefined;
  const name = resource.slice('count/'.length);
  const dot = name.indexOf('.');
  return dot < 0 ? name : `${name.slice(dot + 1)}/${name.slice(0, dot)}`;
}

/** Current usage of every resource a quota lists. */
export function quotaUsed(
  ctx: SimContext,
  tracker: PodUsageTracker,
  quota: KubeObject,
): Usage {
  const ns = quota.metadata?.namespace ?? '';
  const hard: Obj = (quota as Obj).spec?.hard ?? {};
  const pods = tracker.usage(ns);
  const used: Usage = {};
  for (const resource of Object.keys(hard)) {
    if (resource === 'requests.storage') {
      used[resource] = pvcStorage(ctx, ns);
      continue;
    }
    const storage = countedStorage(resource);
    if (storage && storage !== 'pods') {
      used[resource] = countObjects(ctx, storage, ns);
      continue;
    }
    used[resource] = Math.max(0, pods[resource] ?? 0);
  }
  return used;
}

function countObjects(ctx: SimContext, storage: string, ns: string): number {
  try {
    return ctx.store.list(storage, { namespace: ns }).items.length;
  } catch {
    return 0;
  }
}

function pvcStorage(ctx: SimContext, ns: string): number {
  return ctx.store
    .list('persistentvolumeclaims', { namespace: ns })
    .items.reduce(
      (sum, pvc) =>
        sum + quantity((pvc as Obj).spec?.resources?.requests?.storage),
      0,
    );
}

function pretty(values: Usage, keys: string[]): string {
  return [...keys]
    .sort()
    .map(k => `${k}=${formatQuantity(values[k] ?? 0, k)}`)
    .join(',');
}

const VALIDATION_SET = new Set([
  'requests.cpu',
  'requests.memory',
  'limits.cpu',
  'limits.memory',
  'cpu',
  'memory',
]);

/**
 * The containers missing an explicit request/limit for a resource the
 * quota tracks (`must specify limits.cpu for: app; ...`).
 */
function missingConstraints(pod: Obj, hard: Obj): string | undefined {
  const required = Object.keys(hard).filter(k => VALIDATION_SET.has(k));
  const missing = new Map<string, Set<string>>();
  const containers = [
    ...(pod.spec?.containers ?? []),
    ...(pod.spec?.initContainers ?? []),
  ];
  for (const c of containers) {
    for (const resource of required) {
      const [kind, name] = resource.includes('.')
        ? resource.split('.')
        : ['requests', resource];
      if (c.resources?.[kind]?.[name] === undefined) {
        if (!missing.has(resource)) missing.set(resource, new Set());
        missing.get(resource)!.add(c.name);
      }
    }
  }
  if (missing.size === 0) return undefined;
  return `must specify ${[...missing.keys()]
    .sort()
    .map(r => `${r} for: ${[...missing.get(r)!].sort().join(',')}`)
    .join('; ')}`;
}

function requestedBy(req: AdmissionRequest): Usage | undefined {
  const storage = req.resource.storage;
  const obj = req.object!;
  if (storage === 'pods') return podQuotaUsage(obj);
  const usage: Usage = {};
  if (storage === 'persistentvolumeclaims') {
    usage['requests.storage'] = quantity(
      (obj as Obj).spec?.resources?.requests?.storage,
    );
  }
  return usage;
}

function usesResource(storage: string, resource: string): boolean {
  if (storage === 'pods')
    return countedStorage(resource) === undefined || resource === 'count/pods';
  if (resource === 'requests.storage')
    return storage === 'persistentvolumeclaims';
  return countedStorage(resource) === storage;
}

/** Admission: refuses a CREATE that would exceed a ResourceQuota. */
export function quotaAdmission(
  ctx: SimContext,
  informers: Informers,
  tracker: PodUsageTracker,
) {
  return (req: AdmissionRequest): void => {
    if (req.operation !== 'CREATE' || !req.object || !req.namespace) return;
    const quotas = informers.quotas
      .list(req.namespace)
      .sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
    if (quotas.length === 0) return;
    const storage = req.resource.storage;
    const requested = requestedBy(req) ?? {};
    const target = {
      group: req.resource.group,
      resource: req.resource.plural,
      name: req.name,
    };
    const prefix = `${req.resource.plural}${
      req.resource.group ? `.${req.resource.group}` : ''
    } "${req.name}" is forbidden: `;
    for (const quota of quotas) {
      const hard: Obj = (quota as Obj).spec?.hard ?? {};
      const keys = Object.keys(hard).filter(k => usesResource(storage, k));
      if (keys.length === 0) continue;
      if (storage === 'pods') {
        const missing = missingConstraints(req.object as Obj, hard);
        if (missing) {
          throw forbidden(
            `${prefix}failed quota: ${nameOf(quota)}: ${missing}`,
            target,
          );
        }
      }
      const used = quotaUsed(ctx, tracker, quota);
      const request: Usage = {};
      const exceeded: string[] = [];
      for (const k of keys) {
        const amount =
          countedStorage(k) && storage !== 'pods' ? 1 : requested[k] ?? 0;
        if (storage === 'pods' && (k === 'pods' || k === 'count/pods')) {
          request[k] = 1;
        } else {
          request[k] = amount;
        }
        if (
          request[k] > 0 &&
          (used[k] ?? 0) + request[k] > quantity(hard[k]) + 1e-9
        ) {
          exceeded.push(k);
        }
      }
      if (exceeded.length > 0) {
        const limited: Usage = {};
        for (const k of exceeded) limited[k] = quantity(hard[k]);
        throw forbidden(
          `${prefix}exceeded quota: ${nameOf(quota)}, requested: ${pretty(
            request,
            exceeded,
          )}, used: ${pretty(used, exceeded)}, limited: ${pretty(
            limited,
            exceeded,
          )}`,
          target,
        );
      }
    }
  };
}

/** Keeps `status.hard` and `status.used` of every ResourceQuota current. */
export function startQuotaController(
  ctx: SimContext,
  informers: Informers,
): { tracker: PodUsageTracker; stop(): void } {
  const pending: string[] = [];
  const tracker = new PodUsageTracker(informers, ns => pending.push(ns));
  const queue = new WorkQueue(ctx.clock, 'resourcequota', key => {
    const [ns, name] = splitKey(key);
    const quota = ctx.store.tryGet('resourcequotas', ns, name);
    if (quota) writeQuotaStatus(ctx, tracker, quota);
  });
  const syncNamespace = (ns: string) => {
    for (const q of informers.quotas.list(ns)) queue.add(keyOf(q));
  };
  informers.pods.onChange(() => {
    for (const ns of pending.splice(0)) syncNamespace(ns);
  });
  informers.quotas.onChange((type, q) => {
    if (type !== 'DELETED') queue.add(keyOf(q));
  });
  informers.pvcs.onChange((_t, pvc) =>
    syncNamespace(pvc.metadata?.namespace ?? ''),
  );
  for (const q of informers.quotas.items.values()) queue.add(keyOf(q));
  // Object counts other than pods are refreshed periodically.
  const timer = ctx.clock.setInterval(() => {
    for (const q of informers.quotas.items.values()) queue.add(keyOf(q));
  }, 10_000);
  return {
    tracker,
    stop: () => {
      queue.stop();
      ctx.clock.clear(timer);
    },
  };
}

function writeQuotaStatus(
  ctx: SimContext,
  tracker: PodUsageTracker,
  quota: KubeObject,
): void {
  const hard: Obj = (quota as Obj).spec?.hard ?? {};
  const used = quotaUsed(ctx, tracker, quota);
  const status = {
    hard: { ...hard },
    used: Object.fromEntries(
      Object.keys(hard).map(k => [k, formatQuantity(used[k] ?? 0, k)]),
    ),
  };
  if (JSON.stringify(status) !== JSON.stringify((quota as Obj).status)) {
    ctx.store.updateStatus({ ...quota, status } as KubeObject);
  }
}
