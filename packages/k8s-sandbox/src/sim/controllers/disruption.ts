/**
 * The disruption controller: keeps PodDisruptionBudget status (expected,
 * healthy and desired pods, disruptions allowed) current, with the same
 * arithmetic the eviction subresource applies.
 */
import type { KubeObject } from '../../api/types';
import { Env, Loop } from './env';
import { selectorMatches } from './predicates';
import {
  intOrPercent,
  isPodReady,
  keyOf,
  Obj,
  setCondition,
  splitKey,
} from './util';
import { WorkQueue } from './workqueue';

export function startDisruptionController(env: Env): Loop {
  const { ctx, inf } = env;
  const queue = new WorkQueue(ctx.clock, 'disruption', key =>
    syncBudget(env, key),
  );
  inf.pdbs.onChange((type, pdb) => {
    if (type !== 'DELETED') queue.add(keyOf(pdb));
  });
  inf.pods.onChange((type, pod, old) => {
    const same =
      type === 'MODIFIED' &&
      isPodReady(pod) === isPodReady(old!) &&
      !!pod.metadata?.deletionTimestamp ===
        !!old!.metadata?.deletionTimestamp &&
      JSON.stringify(pod.metadata?.labels) ===
        JSON.stringify(old!.metadata?.labels);
    if (same) return;
    for (const pdb of inf.pdbs.list(pod.metadata?.namespace ?? ''))
      queue.add(keyOf(pdb));
  });
  for (const pdb of inf.pdbs.items.values()) queue.add(keyOf(pdb));
  return { stop: () => queue.stop() };
}

function syncBudget(env: Env, key: string): void {
  const [ns, name] = splitKey(key);
  const pdb = env.ctx.store.tryGet('policy/poddisruptionbudgets', ns, name) as
    | Obj
    | undefined;
  if (!pdb) return;
  const pods = env.inf.pods
    .list(ns)
    .filter(p => selectorMatches(pdb.spec?.selector, p.metadata?.labels));
  const expected = pods.length;
  const healthy = pods.filter(
    p => !p.metadata?.deletionTimestamp && isPodReady(p),
  ).length;
  let desired: number;
  if (pdb.spec?.maxUnavailable !== undefined) {
    desired =
      expected - intOrPercent(pdb.spec.maxUnavailable, expected, true, 0);
  } else {
    desired = intOrPercent(pdb.spec?.minAvailable, expected, true, 1);
  }
  desired = Math.max(0, desired);
  const allowed = Math.max(0, healthy - desired);
  const status: Obj = {
    observedGeneration: pdb.metadata.generation ?? 1,
    disruptionsAllowed: allowed,
    currentHealthy: healthy,
    desiredHealthy: desired,
    expectedPods: expected,
    conditions: setCondition(
      pdb.status?.conditions,
      allowed > 0
        ? {
            type: 'DisruptionAllowed',
            status: 'True',
            reason: 'SufficientPods',
            message: '',
          }
        : {
            type: 'DisruptionAllowed',
            status: 'False',
            reason: 'InsufficientPods',
            message: '',
          },
      env.ctx.clock.now(),
    ),
  };
  if (pdb.status?.disruptedPods)
    status.disruptedPods = pdb.status.disruptedPods;
  if (JSON.stringify(status) !== JSON.stringify(pdb.status ?? {})) {
    env.ctx.store.updateStatus({ ...pdb, status } as KubeObject);
  }
}
