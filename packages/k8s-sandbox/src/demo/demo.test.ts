import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../api/types';
import { SimulatedCluster } from '../sim/SimulatedCluster';
import { faultFiles, loadDemoScenarios } from './demoScenarios';
import { workloadProblems, warningEvents } from './health';

const MINUTE = 60_000;
const keyOf = (o: KubeObject) =>
  `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;

describe('the demo scenarios', () => {
  const { scenario, faults } = loadDemoScenarios();

  it('has the seven demo services, no timeline and no expectations', () => {
    expect(scenario.expect).toBeUndefined();
    expect(scenario.timeline).toEqual([]);
    expect(scenario.duration).toBeGreaterThanOrEqual(2 * 60 * MINUTE);
    const workloads = scenario.cluster.objects
      .filter(o => ['Deployment', 'StatefulSet', 'CronJob'].includes(o.kind!))
      .map(
        o =>
          (o.metadata?.labels as Record<string, string>)[
            'backstage.io/kubernetes-id'
          ],
      )
      .sort();
    expect(workloads).toEqual([
      'catalog-api',
      'orders',
      'payments',
      'postgres',
      'redis',
      'sitemap-builder',
      'web',
    ]);
  });

  it('has at least six faults that start at once and add only what is missing', () => {
    expect(faultFiles().length).toBe(faults.length);
    expect(faults.length).toBeGreaterThanOrEqual(6);
    const demoObjects = new Set(scenario.cluster.objects.map(keyOf));
    for (const fault of faults) {
      expect(fault.timeline[0]?.at).toBe(0);
      for (const object of fault.cluster.objects) {
        expect(demoObjects.has(keyOf(object))).toBe(false);
      }
      // Only new images, or keys the demo's image does not set.
      const overridden = Object.entries(fault.images).flatMap(
        ([image, behaviour]) =>
          Object.keys(behaviour)
            .filter(key => key in (scenario.images[image] ?? {}))
            .map(key => `${image} ${key}`),
      );
      expect(overridden).toEqual([]);
    }
  });

  it('restores the demo manifests at the end of each fault', () => {
    const demoObjects = new Map(
      scenario.cluster.objects.map(o => [keyOf(o), o]),
    );
    for (const fault of faults) {
      const lastApply = new Map<string, KubeObject>();
      for (const step of fault.timeline) {
        if (step.kind === 'apply') {
          lastApply.set(keyOf(step.manifest), step.manifest);
        }
      }
      for (const [key, manifest] of lastApply) {
        expect([
          fault.id,
          key,
          isDeepStrictEqual(manifest, demoObjects.get(key)),
        ]).toEqual([fault.id, key, true]);
      }
    }
  });

  it('runs healthy for 15 simulated minutes', async () => {
    const cluster = new SimulatedCluster({ scenario });
    await cluster.start();
    await cluster.runUntil(15 * MINUTE);
    try {
      expect(workloadProblems(cluster, 'bookstore')).toEqual([]);
      expect(warningEvents(cluster, 'bookstore')).toEqual([]);
      const pods = cluster.store.list('pods', { namespace: 'bookstore' })
        .items as any[];
      const running = pods
        .filter(p => p.status.phase === 'Running')
        .filter(p => p.metadata.ownerReferences?.[0]?.kind !== 'Job')
        .map(p => p.metadata.labels['backstage.io/kubernetes-id']);
      expect(new Set(running)).toEqual(
        new Set([
          'catalog-api',
          'orders',
          'payments',
          'postgres',
          'redis',
          'web',
        ]),
      );
      // The CronJob ran at 5, 10 and 15 minutes; each run completed.
      const jobs = cluster.store.list('batch/jobs', { namespace: 'bookstore' })
        .items as any[];
      expect(jobs.length).toBe(3);
      expect(
        jobs
          .filter(j => !j.status?.active)
          .every(j => j.status?.succeeded === 1),
      ).toBe(true);
      const hpa = cluster.store.get(
        'autoscaling/horizontalpodautoscalers',
        'bookstore',
        'catalog-api',
      ) as any;
      expect(hpa.status.currentReplicas).toBe(2);
    } finally {
      cluster.stop();
    }
  });
});
