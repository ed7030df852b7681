/**
 * The Endpoints controller: one Endpoints object per Service with a
 * selector, listing the selected pods' IPs as ready or not-ready addresses
 * with the Service's target ports resolved (by number or container port
 * name).
 */
import { ApiError } from '../../api/errors';
import type { KubeObject } from '../../api/types';
import { Env, Loop } from './env';
import { selectorMatches } from './predicates';
import { isPodReady, isTerminal, keyOf, nameOf, Obj, splitKey } from './util';
import { WorkQueue } from './workqueue';

function signature(pod: KubeObject | undefined): string {
  const p = pod as Obj | undefined;
  if (!p) return '';
  return JSON.stringify([
    p.metadata?.labels,
    p.status?.podIP,
    isPodReady(p as KubeObject),
    !!p.metadata?.deletionTimestamp,
    p.status?.phase,
    p.spec?.nodeName,
  ]);
}

export function startEndpointsController(env: Env): Loop {
  const { ctx, inf } = env;
  const queue = new WorkQueue(ctx.clock, 'endpoints', key =>
    syncEndpoints(env, key),
  );
  inf.services.onChange((_t, svc) => queue.add(keyOf(svc)));
  inf.pods.onChange((type, pod, old) => {
    if (type === 'MODIFIED' && signature(pod) === signature(old)) return;
    for (const svc of inf.services.list(pod.metadata?.namespace ?? '')) {
      const sel = (svc as Obj).spec?.selector;
      if (!sel) continue;
      const selector = { matchLabels: sel };
      if (
        selectorMatches(selector, pod.metadata?.labels) ||
        (old && selectorMatches(selector, old.metadata?.labels))
      ) {
        queue.add(keyOf(svc));
      }
    }
  });
  for (const svc of inf.services.items.values()) queue.add(keyOf(svc));
  return { stop: () => queue.stop() };
}

function resolvePort(
  pod: Obj,
  targetPort: unknown,
  port: number,
): number | undefined {
  if (targetPort === undefined || targetPort === null) return port;
  if (typeof targetPort === 'number') return targetPort;
  const asNumber = Number(targetPort);
  if (String(targetPort) !== '' && Number.isInteger(asNumber)) return asNumber;
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.name === targetPort) return p.containerPort;
    }
  }
  return undefined;
}

function syncEndpoints(env: Env, key: string): void {
  const { store } = env.ctx;
  const [ns, name] = splitKey(key);
  const svc = store.tryGet('services', ns, name) as Obj | undefined;
  const existing = store.tryGet('endpoints', ns, name) as Obj | undefined;
  if (!svc) {
    if (existing) deleteQuietly(env, ns!, name);
    return;
  }
  const selector = svc.spec?.selector;
  if (!selector || Object.keys(selector).length === 0) return;
  const subsets = computeSubsets(env, svc);
  const desired: Obj = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: {
      name,
      namespace: ns,
      ...(svc.metadata?.labels ? { labels: { ...svc.metadata.labels } } : {}),
    },
    ...(subsets.length ? { subsets } : {}),
  };
  if (!existing) {
    store.create(desired as KubeObject);
    return;
  }
  const same =
    JSON.stringify(existing.subsets ?? []) === JSON.stringify(subsets) &&
    JSON.stringify(existing.metadata?.labels ?? {}) ===
      JSON.stringify(desired.metadata.labels ?? {});
  if (same) return;
  store.update({
    ...desired,
    metadata: { ...existing.metadata, labels: desired.metadata.labels },
  } as KubeObject);
}

function deleteQuietly(env: Env, ns: string, name: string): void {
  try {
    env.ctx.store.delete('endpoints', ns, name);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
  }
}

function computeSubsets(env: Env, svc: Obj): Obj[] {
  const ns = svc.metadata.namespace;
  const selector = { matchLabels: svc.spec.selector };
  const publishNotReady = !!svc.spec?.publishNotReadyAddresses;
  const groups = new Map<
    string,
    { ports: Obj[]; ready: Obj[]; notReady: Obj[] }
  >();
  for (const pod of env.inf.pods.list(ns) as Obj[]) {
    const ip = pod.status?.podIP;
    if (!ip || isTerminal(pod as KubeObject)) continue;
    if (!selectorMatches(selector, pod.metadata?.labels)) continue;
    if (pod.metadata.deletionTimestamp && !publishNotReady) continue;
    const ports: Obj[] = [];
    for (const sp of svc.spec.ports ?? []) {
      const port = resolvePort(pod, sp.targetPort, sp.port);
      if (port === undefined) continue;
      ports.push({
        ...(sp.name ? { name: sp.name } : {}),
        port,
        protocol: sp.protocol ?? 'TCP',
        ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}),
      });
    }
    if ((svc.spec.ports ?? []).length > 0 && ports.length === 0) continue;
    const sig = JSON.stringify(ports);
    if (!groups.has(sig)) groups.set(sig, { ports, ready: [], notReady: [] });
    const address = {
      ip,
      ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
      targetRef: {
        kind: 'Pod',
        namespace: ns,
        name: nameOf(pod as KubeObject),
        uid: pod.metadata.uid,
      },
    };
    const group = groups.get(sig)!;
    if (isPodReady(pod as KubeObject) || publishNotReady)
      group.ready.push(address);
    else group.notReady.push(address);
  }
  const byIp = (a: Obj, b: Obj) => (a.ip < b.ip ? -1 : Number(a.ip > b.ip));
  return [...groups.keys()].sort().map(sig => {
    const g = groups.get(sig)!;
    const subset: Obj = {};
    if (g.ready.length) subset.addresses = g.ready.sort(byIp);
    if (g.notReady.length) subset.notReadyAddresses = g.notReady.sort(byIp);
    if (g.ports.length) subset.ports = g.ports;
    return subset;
  });
}
