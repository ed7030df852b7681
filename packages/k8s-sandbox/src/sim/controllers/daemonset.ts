/**
 * The DaemonSet controller: one pod per eligible node (nodeSelector, node
 * affinity, taints against the pod's tolerations plus the default DaemonSet
 * tolerations), placed by the scheduler through a node-name affinity,
 * rolled one node at a time (maxUnavailable), with the usual status fields.
 */
import { ApiError } from '../../api/errors';
import type { KubeObject } from '../../api/types';
import { Env, Loop, podsControlledBy, recordEvent } from './env';
import { podFromTemplate } from './pods';
import { matchesNodeAffinity, taintsOf, untoleratedTaint } from './predicates';
import { REVISION_LABEL } from './statefulset';
import {
  clone,
  controllerRef,
  intOrPercent,
  isPodAvailable,
  isPodReady,
  keyOf,
  nameOf,
  Obj,
  splitKey,
  templateHash,
} from './util';
import { WorkQueue } from './workqueue';

const COMPONENT = 'daemonset-controller';

const DEFAULT_TOLERATIONS: Obj[] = [
  {
    key: 'node.kubernetes.io/not-ready',
    operator: 'Exists',
    effect: 'NoExecute',
  },
  {
    key: 'node.kubernetes.io/unreachable',
    operator: 'Exists',
    effect: 'NoExecute',
  },
  {
    key: 'node.kubernetes.io/disk-pressure',
    operator: 'Exists',
    effect: 'NoSchedule',
  },
  {
    key: 'node.kubernetes.io/memory-pressure',
    operator: 'Exists',
    effect: 'NoSchedule',
  },
  {
    key: 'node.kubernetes.io/pid-pressure',
    operator: 'Exists',
    effect: 'NoSchedule',
  },
  {
    key: 'node.kubernetes.io/unschedulable',
    operator: 'Exists',
    effect: 'NoSchedule',
  },
];

export function startDaemonSetController(env: Env): Loop {
  const { ctx, inf } = env;
  const queue = new WorkQueue(ctx.clock, 'daemonset', key =>
    syncDaemonSet(env, key),
  );
  const all = () => {
    for (const ds of inf.daemonSets.items.values()) queue.add(keyOf(ds));
  };
  inf.daemonSets.onChange((type, ds) => {
    if (type !== 'DELETED') queue.add(keyOf(ds));
  });
  inf.nodes.onChange(all);
  inf.pods.onChange((_t, pod, old) => {
    for (const p of [pod, old]) {
      const owner = p && controllerRef(p);
      if (owner?.kind === 'DaemonSet')
        queue.add(`${p!.metadata?.namespace}/${owner.name}`);
    }
  });
  all();
  return { stop: () => queue.stop() };
}

function tolerationsFor(spec: Obj, hostNetwork: boolean): Obj[] {
  const list: Obj[] = [...(spec.tolerations ?? [])];
  const extra = hostNetwork
    ? [
        ...DEFAULT_TOLERATIONS,
        {
          key: 'node.kubernetes.io/network-unavailable',
          operator: 'Exists',
          effect: 'NoSchedule',
        },
      ]
    : DEFAULT_TOLERATIONS;
  for (const t of extra) {
    if (!list.some(x => x.key === t.key && x.effect === t.effect)) list.push(t);
  }
  return list;
}

function shouldRun(spec: Obj, node: Obj): boolean {
  return (
    matchesNodeAffinity(spec, node) &&
    !untoleratedTaint(spec.tolerations, taintsOf(node))
  );
}

/** The node a daemon pod is for: bound node or its node-name affinity. */
function targetNode(pod: Obj): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms =
    pod.spec?.affinity?.nodeAffinity
      ?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const t of terms) {
    for (const f of t.matchFields ?? []) {
      if (f.key === 'metadata.name') return f.values?.[0];
    }
  }
  return undefined;
}

function withNodeAffinity(spec: Obj, node: string): Obj {
  const affinity = clone(spec.affinity ?? {});
  const field = { key: 'metadata.name', operator: 'In', values: [node] };
  const required =
    affinity.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const terms: Obj[] = required?.nodeSelectorTerms?.length
    ? required.nodeSelectorTerms.map((t: Obj) => ({
        ...t,
        matchFields: [field],
      }))
    : [{ matchFields: [field] }];
  affinity.nodeAffinity = {
    ...(affinity.nodeAffinity ?? {}),
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: terms,
    },
  };
  return affinity;
}

function syncDaemonSet(env: Env, key: string): void {
  const [ns, name] = splitKey(key);
  const ds = env.ctx.store.tryGet('apps/daemonsets', ns, name) as
    | Obj
    | undefined;
  if (!ds || ds.metadata.deletionTimestamp) return;
  const template = ds.spec?.template ?? {};
  const hash = templateHash(template);
  const podSpec = {
    ...clone(template.spec ?? {}),
    tolerations: tolerationsFor(
      template.spec ?? {},
      !!template.spec?.hostNetwork,
    ),
  };
  const pods = podsControlledBy(env, ds.metadata.uid) as Obj[];
  const byNode = new Map<string, Obj[]>();
  for (const p of pods) {
    const node = targetNode(p);
    if (!node) continue;
    if (!byNode.has(node)) byNode.set(node, []);
    byNode.get(node)!.push(p);
  }
  for (const node of env.inf.nodes.list() as Obj[]) {
    const nodeName = node.metadata.name;
    const onNode = (byNode.get(nodeName) ?? []).filter(
      p => !p.metadata.deletionTimestamp,
    );
    if (!shouldRun(podSpec, node)) {
      onNode.forEach(p => deletePod(env, ds, p));
      continue;
    }
    const failed = onNode.filter(p => p.status?.phase === 'Failed');
    failed.forEach(p => deletePod(env, ds, p));
    const live = onNode.filter(p => p.status?.phase !== 'Failed');
    if (live.length === 0 && failed.length === 0)
      createPod(env, ds, nodeName, podSpec, hash);
    live.slice(1).forEach(p => deletePod(env, ds, p));
  }
  rollingUpdate(env, ds, pods, hash);
  writeStatus(env, ds, podSpec, hash);
}

function createPod(
  env: Env,
  ds: Obj,
  node: string,
  podSpec: Obj,
  hash: string,
): void {
  const ns = ds.metadata.namespace;
  const name = env.names.next(ds.metadata.name, n => !!env.inf.pods.get(ns, n));
  const pod = podFromTemplate({
    template: ds.spec?.template,
    name,
    namespace: ns,
    owner: ds,
    labels: {
      [REVISION_LABEL]: hash,
      'pod-template-generation': String(ds.metadata.generation ?? 1),
    },
    spec: { ...podSpec, affinity: withNodeAffinity(podSpec, node) },
  });
  try {
    env.ctx.store.create(pod);
    recordEvent(
      env,
      ds,
      'Normal',
      'SuccessfulCreate',
      `Created pod: ${name}`,
      COMPONENT,
    );
  } catch (error) {
    const message = error instanceof ApiError ? error.message : String(error);
    recordEvent(
      env,
      ds,
      'Warning',
      'FailedCreate',
      `Error creating: ${message}`,
      COMPONENT,
    );
  }
}

function deletePod(env: Env, ds: Obj, pod: Obj): void {
  env.ctx.store.delete('pods', pod.metadata.namespace, pod.metadata.name);
  recordEvent(
    env,
    ds,
    'Normal',
    'SuccessfulDelete',
    `Deleted pod: ${pod.metadata.name}`,
    COMPONENT,
  );
}

function rollingUpdate(env: Env, ds: Obj, pods: Obj[], hash: string): void {
  const strategy = ds.spec?.updateStrategy ?? {};
  if ((strategy.type ?? 'RollingUpdate') !== 'RollingUpdate') return;
  const live = pods.filter(p => !p.metadata.deletionTimestamp);
  const old = live.filter(p => p.metadata.labels?.[REVISION_LABEL] !== hash);
  if (old.length === 0) return;
  const desired = env.inf.nodes.list().length;
  const maxUnavailable = Math.max(
    1,
    intOrPercent(strategy.rollingUpdate?.maxUnavailable, desired, true, 1),
  );
  const unavailable = pods.filter(
    p => p.metadata.deletionTimestamp || !isPodReady(p as KubeObject),
  ).length;
  let budget = maxUnavailable - unavailable;
  // Unready old pods go first; they cost no availability.
  for (const p of old.filter(x => !isPodReady(x as KubeObject)))
    deletePod(env, ds, p);
  for (const p of old.filter(x => isPodReady(x as KubeObject))) {
    if (budget <= 0) break;
    deletePod(env, ds, p);
    budget--;
  }
}

function writeStatus(env: Env, ds: Obj, podSpec: Obj, hash: string): void {
  const now = env.ctx.clock.now();
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const pods = (podsControlledBy(env, ds.metadata.uid) as Obj[]).filter(
    p => !p.metadata.deletionTimestamp,
  );
  let desired = 0;
  let current = 0;
  let misscheduled = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  for (const node of env.inf.nodes.list() as Obj[]) {
    const onNode = pods.filter(
      p => p.spec?.nodeName === nameOf(node as KubeObject),
    );
    const should = shouldRun(podSpec, node);
    if (should) desired++;
    if (onNode.length === 0) continue;
    if (!should) {
      misscheduled++;
      continue;
    }
    current++;
    const pod = onNode[0];
    if (isPodReady(pod as KubeObject)) ready++;
    if (isPodAvailable(pod as KubeObject, minReady, now)) available++;
    if (pod.metadata.labels?.[REVISION_LABEL] === hash) updated++;
  }
  const status: Obj = {
    currentNumberScheduled: current,
    desiredNumberScheduled: desired,
    numberMisscheduled: misscheduled,
    numberReady: ready,
    observedGeneration: ds.metadata.generation ?? 1,
    updatedNumberScheduled: updated,
    numberAvailable: available,
    numberUnavailable: desired - available,
  };
  if (JSON.stringify(status) !== JSON.stringify(ds.status ?? {})) {
    const latest = env.ctx.store.tryGet(
      'apps/daemonsets',
      ds.metadata.namespace,
      ds.metadata.name,
    );
    if (latest) env.ctx.store.updateStatus({ ...latest, status } as KubeObject);
  }
}
