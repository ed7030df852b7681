import { SimulatedCluster } from '../sim/SimulatedCluster';
import type { Scenario } from '../scenario';
import { loadDemoScenarios } from './demoScenarios';
import { workloadProblems } from './health';

const MINUTE = 60_000;
const INJECT_AT = MINUTE;

// Loose status shapes: only the fields read here.
type Obj = any;

function pods(cluster: SimulatedCluster, prefix: string): Obj[] {
  return (
    cluster.store.list('pods', { namespace: 'bookstore' }).items as Obj[]
  ).filter(p => p.metadata.name.startsWith(prefix));
}

function waitingReasons(cluster: SimulatedCluster, prefix: string): string[] {
  return pods(cluster, prefix).flatMap(p =>
    (p.status.containerStatuses ?? [])
      .map((c: Obj) => c.state?.waiting?.reason)
      .filter(Boolean),
  );
}

function terminatedReasons(cluster: SimulatedCluster, prefix: string) {
  return pods(cluster, prefix).flatMap(p =>
    (p.status.containerStatuses ?? [])
      .map((c: Obj) => c.lastState?.terminated?.reason)
      .filter(Boolean),
  );
}

function ready(pod: Obj): boolean {
  return pod.status.conditions?.some(
    (c: Obj) => c.type === 'Ready' && c.status === 'True',
  );
}

function hpa(cluster: SimulatedCluster): Obj {
  return cluster.store.get(
    'autoscaling/horizontalpodautoscalers',
    'bookstore',
    'catalog-api',
  );
}

/**
 * What each fault shows 90 simulated seconds after its injection: an
 * observation, and the value it must have.
 */
const SYMPTOMS: Record<
  string,
  { observe: (cluster: SimulatedCluster) => unknown; expected: unknown }
> = {
  'demo-fault-web-image-typo': {
    observe: cluster => ({
      imagePullBackOff: waitingReasons(cluster, 'web-').includes(
        'ImagePullBackOff',
      ),
    }),
    expected: { imagePullBackOff: true },
  },
  'demo-fault-catalog-api-crashloop': {
    observe: cluster => ({
      crashLoop: waitingReasons(cluster, 'catalog-api-').includes(
        'CrashLoopBackOff',
      ),
    }),
    expected: { crashLoop: true },
  },
  'demo-fault-payments-missing-secret': {
    observe: cluster => ({
      configError: waitingReasons(cluster, 'payments-').includes(
        'CreateContainerConfigError',
      ),
    }),
    expected: { configError: true },
  },
  'demo-fault-orders-oom-low-memory-limit': {
    observe: cluster => ({
      oomKilled: terminatedReasons(cluster, 'orders-').includes('OOMKilled'),
    }),
    expected: { oomKilled: true },
  },
  'demo-fault-postgres-down': {
    observe: cluster => ({
      postgresReady: pods(cluster, 'postgres-').some(ready),
      catalogApiReady: pods(cluster, 'catalog-api-').some(ready),
      ordersReady: pods(cluster, 'orders-').some(ready),
    }),
    expected: {
      postgresReady: false,
      catalogApiReady: false,
      ordersReady: false,
    },
  },
  'demo-fault-catalog-api-traffic-surge': {
    observe: cluster => ({
      replicas: hpa(cluster).status.currentReplicas,
      limited: hpa(cluster).status.conditions.find(
        (c: Obj) => c.type === 'ScalingLimited',
      )?.reason,
    }),
    expected: { replicas: 4, limited: 'TooManyReplicas' },
  },
  'demo-fault-node-not-ready': {
    observe: cluster => {
      const node = cluster.store.get('nodes', undefined, 'node-2') as Obj;
      const onNode = (
        cluster.store.list('pods', { namespace: 'bookstore' }).items as Obj[]
      ).filter(p => p.spec.nodeName === 'node-2');
      return {
        nodeReady: node.status.conditions.find((c: Obj) => c.type === 'Ready')
          .status,
        podsOnNode: onNode.length > 0,
        anyReadyOnNode: onNode.some(ready),
      };
    },
    expected: { nodeReady: 'Unknown', podsOnNode: true, anyReadyOnNode: false },
  },
};

describe('each demo fault, injected into the running demo', () => {
  const { scenario, faults } = loadDemoScenarios();

  it('has a symptom check for every fault file', () => {
    expect(faults.map(f => f.id).sort()).toEqual(Object.keys(SYMPTOMS).sort());
  });

  it.each(faults.map(f => [f.id, f] as [string, Scenario]))(
    '%s shows its symptom, then recovers',
    async (id, fault) => {
      const cluster = new SimulatedCluster({ scenario });
      await cluster.start();
      try {
        await cluster.runUntil(INJECT_AT);
        expect(workloadProblems(cluster, 'bookstore')).toEqual([]);
        cluster.inject(fault);
        await cluster.runUntil(INJECT_AT + 90_000);
        // An autoscaler at its maximum is, by itself, healthy.
        const atMaxOnly = id === 'demo-fault-catalog-api-traffic-surge';
        expect(workloadProblems(cluster, 'bookstore').length > 0).toBe(
          !atMaxOnly,
        );
        expect(SYMPTOMS[id].observe(cluster)).toEqual(SYMPTOMS[id].expected);
        // Recovery starts at 240s; a crash-looping container comes back at
        // its next back-off restart (at most 5 minutes), then 5 quiet minutes.
        await cluster.runUntil(INJECT_AT + 14 * MINUTE);
        expect(
          workloadProblems(cluster, 'bookstore', {
            restartsSince: cluster.clock.now() - 5 * MINUTE,
          }),
        ).toEqual([]);
      } finally {
        cluster.stop();
      }
    },
  );
});
