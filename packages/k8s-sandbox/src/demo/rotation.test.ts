import { VirtualClock } from '../clock';
import type { Scenario } from '../scenario';
import { SimulatedCluster } from '../sim/SimulatedCluster';
import { loadDemoScenarios } from './demoScenarios';
import { workloadProblems } from './health';
import { FaultInjection, startFaultRotation } from './rotation';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

function fakeFault(id: string): Scenario {
  return {
    version: 1,
    id,
    title: id,
    file: `${id}.yaml`,
    duration: 10 * MINUTE,
    durationText: '10m',
    cluster: { nodes: [], objects: [] },
    images: {},
    timeline: [],
  };
}

/** A stand-in for the cluster: its clock, and `inject` recorded. */
function fakeCluster(clock: VirtualClock) {
  const start = clock.now();
  const injected: Array<{ id: string; at: number }> = [];
  const cluster = {
    clock,
    elapsed: () => clock.now() - start,
    inject: jest.fn((fault: Scenario) => {
      injected.push({ id: fault.id, at: clock.now() - start });
      return fault.timeline.length;
    }),
  };
  return { cluster: cluster as unknown as SimulatedCluster, injected };
}

describe('startFaultRotation', () => {
  const faults = ['a', 'b', 'c'].map(fakeFault);

  it('injects the first fault after 45s, then one every 5 minutes, cycling', async () => {
    const clock = new VirtualClock();
    const { cluster, injected } = fakeCluster(clock);
    const log: FaultInjection[] = [];
    startFaultRotation(cluster, faults, { onInject: i => log.push(i) });

    await clock.advanceBy(44 * SECOND);
    expect(injected).toEqual([]);
    await clock.advanceBy(1 * SECOND);
    expect(injected).toEqual([{ id: 'a', at: 45 * SECOND }]);
    await clock.advanceBy(5 * MINUTE - 1);
    expect(injected).toHaveLength(1);
    await clock.advanceBy(1);
    expect(injected.map(i => i.id)).toEqual(['a', 'b']);
    await clock.advanceBy(15 * MINUTE);
    expect(injected).toEqual([
      { id: 'a', at: 45 * SECOND },
      { id: 'b', at: 45 * SECOND + 5 * MINUTE },
      { id: 'c', at: 45 * SECOND + 10 * MINUTE },
      { id: 'a', at: 45 * SECOND + 15 * MINUTE },
      { id: 'b', at: 45 * SECOND + 20 * MINUTE },
    ]);
    expect(log.map(i => [i.fault.id, i.index, i.count, i.elapsedMs])).toEqual(
      injected.map(({ id, at }, n) => [id, n % 3, n, at]),
    );
    expect(log[0].at).toBe(clock.now() - 20 * MINUTE);
  });

  it('takes other timings and stops when asked', async () => {
    const clock = new VirtualClock();
    const { cluster, injected } = fakeCluster(clock);
    const stop = startFaultRotation(cluster, faults, {
      firstAfterMs: 0,
      everyMs: 30 * SECOND,
    });
    await clock.advanceBy(0);
    expect(injected).toEqual([{ id: 'a', at: 0 }]);
    await clock.advanceBy(60 * SECOND);
    expect(injected.map(i => i.id)).toEqual(['a', 'b', 'c']);
    stop();
    await clock.advanceBy(10 * MINUTE);
    expect(injected).toHaveLength(3);
    expect(clock.pendingTimers).toBe(0);
  });

  it('goes on with the next fault when one cannot be injected', async () => {
    const clock = new VirtualClock();
    const { cluster, injected } = fakeCluster(clock);
    (cluster.inject as jest.Mock).mockImplementationOnce(() => {
      throw new Error('broken fault');
    });
    const errors: string[] = [];
    startFaultRotation(cluster, faults, {
      firstAfterMs: 10 * SECOND,
      everyMs: MINUTE,
      onError: (error, fault) =>
        errors.push(`${fault.id}: ${(error as Error).message}`),
    });
    await clock.advanceBy(2 * MINUTE + 10 * SECOND);
    expect(errors).toEqual(['a: broken fault']);
    expect(injected.map(i => i.id)).toEqual(['b', 'c']);
  });

  it('does nothing without faults and rejects bad timings', () => {
    const clock = new VirtualClock();
    const { cluster } = fakeCluster(clock);
    startFaultRotation(cluster, [])();
    expect(clock.pendingTimers).toBe(0);
    expect(() => startFaultRotation(cluster, faults, { everyMs: 0 })).toThrow(
      RangeError,
    );
    expect(() =>
      startFaultRotation(cluster, faults, { firstAfterMs: -1 }),
    ).toThrow(RangeError);
  });

  it('makes the first demo fault visible within a minute', async () => {
    const { scenario, faults: demoFaults } = loadDemoScenarios();
    const clock = new VirtualClock();
    const cluster = new SimulatedCluster({ scenario, clock });
    await cluster.start();
    const log: string[] = [];
    const stop = startFaultRotation(cluster, demoFaults, {
      onInject: ({ fault, elapsedMs }) =>
        log.push(`${elapsedMs / SECOND}s ${fault.id}`),
    });
    const waiting = () =>
      (cluster.store.list('pods', { namespace: 'bookstore' }).items as any[])
        .flatMap(p => p.status.containerStatuses ?? [])
        .map(c => c.state?.waiting?.reason)
        .filter(Boolean);
    try {
      await clock.advanceBy(44 * SECOND);
      expect(log).toEqual([]);
      expect(waiting()).toEqual([]);
      await clock.advanceBy(6 * SECOND);
      expect(log).toEqual(['45s demo-fault-web-image-typo']);
      expect(waiting()).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^(ErrImagePull|ImagePullBackOff)$/),
        ]),
      );
      await clock.advanceBy(5 * MINUTE);
      expect(log).toEqual([
        '45s demo-fault-web-image-typo',
        '345s demo-fault-catalog-api-crashloop',
      ]);
      await clock.advanceBy(30 * SECOND);
      expect(waiting()).toContain('CrashLoopBackOff');
    } finally {
      stop();
      cluster.stop();
    }
  });

  it('cycles through every demo fault twice and the demo recovers', async () => {
    const { scenario, faults: demoFaults } = loadDemoScenarios();
    const clock = new VirtualClock();
    const cluster = new SimulatedCluster({ scenario, clock });
    await cluster.start();
    const ids: string[] = [];
    const stop = startFaultRotation(cluster, demoFaults, {
      onInject: ({ fault }) => ids.push(fault.id),
    });
    try {
      await clock.advanceBy(
        45 * SECOND + 2 * demoFaults.length * 5 * MINUTE - 1,
      );
      stop();
      expect(ids).toEqual([
        ...demoFaults.map(f => f.id),
        ...demoFaults.map(f => f.id),
      ]);
      await clock.advanceBy(15 * MINUTE);
      expect(
        workloadProblems(cluster, 'bookstore', {
          restartsSince: clock.now() - 5 * MINUTE,
        }),
      ).toEqual([]);
    } finally {
      stop();
      cluster.stop();
    }
  });
});
