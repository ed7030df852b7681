/**
 * telemetry.throughput: pod updates per second through the real pipeline,
 * informer (client-node watch over HTTP) -> trimmed cache -> built-in
 * detectors -> signal tracker, against a sandbox API server.
 *
 * Input (seeded): 10,000 pods (~6 KB of JSON each) created, then 20,000
 * status updates (every pod twice: restarts that completed, readiness flips,
 * new start times); 200 of the pods go into CrashLoopBackOff, so exactly 200
 * crash-loop signals open. A run ends when the Pod informer has received all
 * 30,000 events and the tracker has opened the 200 signals.
 *
 * Pod objects are built as they are written (holding 30,000 of them would
 * make the garbage collector's work, and the figure, depend on the input).
 * The store writes are paced (chunks of CHUNK, the next one once the
 * informer has caught up to within one chunk) so the server's watch buffer
 * stays bounded, and the time spent synchronously inside the store writes
 * (building the object, and the sandbox's own work: copying, freezing and
 * serialising it for the watch stream) is subtracted: the figure is the monitor's side.
 *
 * Baseline: JSON.parse of the same watch stream (the same serialised lines),
 * in the same run.
 */
import type { Benchmark } from './harness';
import {
  clusterObjects,
  HEALTHY,
  newMonitor,
  newStore,
  podObject,
  podStatusUpdate,
  PodState,
  prng,
  serve,
  synced,
  until,
} from './telemetry.fixtures';
import type { ClusterMonitor } from '../plugins/ai-sre-backend/src/telemetry/ClusterMonitor';

const PODS = 10_000;
const UPDATES = 20_000;
const CHUNK = 500;
/** Pods with index % 50 === 7 crash-loop: 200 of them. */
const isCrashing = (i: number) => i % 50 === 7;
const EXPECTED_SIGNALS = PODS / 50;

/** A write, built into its ~6 KB object only when it is made. */
type Write =
  | { op: 'create'; i: number }
  | { op: 'status'; i: number; state: PodState };

/** The 30,000 writes, deterministic. */
function writes(): Write[] {
  const out: Write[] = [];
  for (let i = 0; i < PODS; i++) out.push({ op: 'create', i });
  const random = prng(42);
  const states: PodState[] = Array.from({ length: PODS }, () => ({
    ...HEALTHY,
  }));
  for (let u = 0; u < UPDATES; u++) {
    // 7919 is prime to 10,000: every pod is updated exactly twice.
    const i = (u * 7919) % PODS;
    const previous = states[i];
    let next: PodState;
    if (isCrashing(i)) {
      next = {
        restartCount: previous.restartCount + 2,
        ready: false,
        crashing: true,
        startedAt: previous.startedAt + 40,
      };
    } else {
      const kind = random();
      next =
        kind < 0.4
          ? // a restart that completed normally (exit 0)
            {
              ...previous,
              restartCount: previous.restartCount + 1,
              startedAt: previous.startedAt + 1 + Math.floor(random() * 300),
            }
          : { ...previous, ready: !previous.ready };
    }
    states[i] = next;
    out.push({ op: 'status', i, state: next });
  }
  return out;
}

const input = writes();

function podEvents(monitor: ClusterMonitor): number {
  // The Pod informer's counter, without building the whole health report.
  return (monitor as any).informers.get('Pod')?.stats.events ?? 0;
}

export const telemetryThroughput: Benchmark = {
  name: 'telemetry.throughput',
  unit: 'pod updates/s',
  goal: 'ratio >= 0.5',
  better: 'higher',
  runs: 3,
  async measure() {
    const store = newStore(2 * CHUNK + 1000);
    for (const object of clusterObjects()) store.create(object);
    const { server, kubeConfig } = await serve(store);
    const lines: string[] = [];
    const stopCapture = store.watch(
      'pods',
      { fromResourceVersion: store.resourceVersion },
      e => lines.push(JSON.stringify({ type: e.type, object: e.object })),
    );
    let opened = 0;
    const monitor = newMonitor(kubeConfig, event => {
      if (event.type === 'opened') opened++;
    });
    monitor.start();
    await synced(monitor);

    let writing = 0n;
    const start = process.hrtime.bigint();
    for (let offset = 0; offset < input.length; offset += CHUNK) {
      await until(() => podEvents(monitor) >= offset - CHUNK);
      const t = process.hrtime.bigint();
      for (const write of input.slice(offset, offset + CHUNK)) {
        if (write.op === 'create') store.create(podObject(write.i));
        else store.updateStatus(podStatusUpdate(write.i, write.state));
      }
      writing += process.hrtime.bigint() - t;
    }
    await until(
      () => podEvents(monitor) >= input.length && opened >= EXPECTED_SIGNALS,
    );
    // Let a flush already scheduled (setTimeout 0) finish its evaluations.
    await new Promise(resolve => setTimeout(resolve, 0));
    const wall = process.hrtime.bigint() - start;
    const seconds = Number(wall - writing) / 1e9;
    const events = podEvents(monitor);
    monitor.stop();
    stopCapture();
    await server.close();
    if (events !== input.length || opened !== EXPECTED_SIGNALS) {
      throw new Error(
        `Expected ${input.length} pod events and ${EXPECTED_SIGNALS} signals, got ${events} and ${opened}`,
      );
    }
    if (lines.length !== input.length) {
      throw new Error(`Captured ${lines.length} watch lines`);
    }
    // eslint-disable-next-line no-console
    console.error(
      `  ${input.length} updates: ${(Number(wall) / 1e9).toFixed(2)} s wall, ${(
        Number(writing) / 1e9
      ).toFixed(2)} s in store writes`,
    );

    const baselineStart = process.hrtime.bigint();
    let parsed = 0;
    for (const line of lines) {
      if (JSON.parse(line).type) parsed++;
    }
    const baselineSeconds =
      Number(process.hrtime.bigint() - baselineStart) / 1e9;
    if (parsed !== lines.length) throw new Error('unreachable');
    return {
      value: input.length / seconds,
      baseline: {
        name: 'JSON.parse of the same watch stream',
        value: lines.length / baselineSeconds,
      },
    };
  },
};
