import path from 'node:path';
import { loadScenarioFile } from '../../scenario';
import { SimulatedCluster } from '../SimulatedCluster';
import { Obj } from './util';

const EXAMPLES = path.resolve(__dirname, '../../../scenarios/examples');

async function run(file: string, until?: number) {
  const scenario = loadScenarioFile(path.join(EXAMPLES, file));
  const cluster = new SimulatedCluster({ scenario });
  await cluster.start();
  await cluster.runUntil(until ?? scenario.duration);
  return cluster;
}

describe('example scenarios through the whole cluster', () => {
  it('bookstore-node-not-ready: evicts and replaces web pods after 340s', async () => {
    const cluster = await run(
      'bookstore-node-not-ready.yaml',
      95_000 + 40_000 + 300_000 + 5_000,
    );
    const pods = cluster.store.list('pods', { namespace: 'bookstore' })
      .items as Obj[];
    const web = pods.filter(p => p.metadata.name.startsWith('web-'));
    const live = web.filter(p => !p.metadata.deletionTimestamp);
    expect(live).toHaveLength(3);
    expect(live.every(p => p.spec.nodeName !== 'node-b')).toBe(true);
    const taints = (cluster.store.get('nodes', undefined, 'node-b') as Obj).spec
      .taints;
    expect(taints.map((t: Obj) => `${t.key}:${t.effect}`)).toEqual([
      'node.kubernetes.io/unreachable:NoSchedule',
      'node.kubernetes.io/unreachable:NoExecute',
    ]);
    cluster.stop();
  });

  it('bookstore-traffic-surge-hpa-max: the HPA reaches its maximum', async () => {
    const cluster = await run(
      'bookstore-traffic-surge-hpa-max.yaml',
      10 * 60_000,
    );
    const hpa = cluster.store.get(
      'autoscaling/horizontalpodautoscalers',
      'bookstore',
      'catalog-api',
    ) as Obj;
    expect(hpa.status.desiredReplicas).toBe(4);
    const limited = hpa.status.conditions.find(
      (c: Obj) => c.type === 'ScalingLimited',
    );
    expect(limited).toMatchObject({
      status: 'True',
      reason: 'TooManyReplicas',
    });
    const pvc = cluster.store.get(
      'persistentvolumeclaims',
      'bookstore',
      'pgdata-postgres-0',
    ) as Obj;
    expect(pvc.status.phase).toBe('Bound');
    cluster.stop();
  });

  it.each([
    'bookstore-crashloop-after-deploy.yaml',
    'bookstore-database-down.yaml',
    'bookstore-healthy-rollout.yaml',
    'bookstore-image-typo.yaml',
    'bookstore-missing-secret.yaml',
    'bookstore-oom-low-memory-limit.yaml',
  ])('%s runs to the end', async file => {
    const cluster = await run(file);
    const deployments = cluster.store.list('apps/deployments').items as Obj[];
    expect(deployments.length).toBeGreaterThan(0);
    for (const d of deployments)
      expect(d.status.observedGeneration).toBe(d.metadata.generation);
    cluster.stop();
  });
});
