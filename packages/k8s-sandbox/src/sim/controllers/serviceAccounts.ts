/** Creates the `default` ServiceAccount in every namespace, as Kubernetes does. */
import { ApiError } from '../../api/errors';
import type { KubeObject } from '../../api/types';
import { Env, Loop } from './env';
import { nameOf } from './util';
import { WorkQueue } from './workqueue';

export function startServiceAccountController(env: Env): Loop {
  const { ctx, inf } = env;
  const queue = new WorkQueue(ctx.clock, 'serviceaccount', ns => {
    const namespace = ctx.store.tryGet('namespaces', undefined, ns);
    if (!namespace || namespace.metadata?.deletionTimestamp) return;
    if (ctx.store.tryGet('serviceaccounts', ns, 'default')) return;
    try {
      ctx.store.create({
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'default', namespace: ns },
      } as KubeObject);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
    }
  });
  inf.namespaces.onChange((type, ns) => {
    if (type !== 'DELETED') queue.add(nameOf(ns));
  });
  for (const ns of inf.namespaces.items.values()) queue.add(nameOf(ns));
  return { stop: () => queue.stop() };
}
