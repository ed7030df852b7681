/**
 * telemetry.signal_latency_p99: milliseconds from a watch event in (the
 * sandbox store write that puts a pod's container into CrashLoopBackOff with
 * restartCount 3) to its crash-loop signal persisted (`SignalStore.upsert`
 * into SQLite in memory, via knex + better-sqlite3, after the plugin's
 * migrations). The monitor watches a sandbox cluster of 10,000 pods; each run
 * takes 200 samples, one pod at a time, spaced by SPACING_MS. p99 of them.
 *
 * Baseline: one row insert into the same table, the same upsert of a
 * prepared signal (a signal the run opened, with a fresh id): p99 of 200.
 */
import knexFactory, { Knex } from 'knex';
import type { Signal } from '@internal/plugin-ai-sre-common';
import type { ApiServer, ObjectStore } from '@internal/k8s-sandbox';
import type { Benchmark } from './harness';
import { IncidentStore } from '../plugins/ai-sre-backend/src/store/IncidentStore';
import { SignalStore } from '../plugins/ai-sre-backend/src/store/SignalStore';
import type { ClusterMonitor } from '../plugins/ai-sre-backend/src/telemetry/ClusterMonitor';
import {
  clusterObjects,
  newMonitor,
  newStore,
  podName,
  podObject,
  podStatusUpdate,
  serve,
  synced,
  until,
} from './telemetry.fixtures';

const PODS = 10_000;
const SAMPLES = 200;
const SPACING_MS = 10;

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length * 0.99) - 1];
}

let db: Knex;
let signals: SignalStore;
let store: ObjectStore;
let server: ApiServer;
let monitor: ClusterMonitor;
/** Resolvers of the samples in flight, by pod name. */
const waiting = new Map<string, () => void>();
let prepared: Signal | undefined;
let nextPod = 0;
let queue: Promise<void> = Promise.resolve();

export const telemetrySignalLatency: Benchmark = {
  name: 'telemetry.signal_latency_p99',
  unit: 'ms',
  goal: '<= 50 ms',
  better: 'lower',
  runs: 5,
  async setup() {
    db = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: ':memory:' },
      useNullAsDefault: true,
    });
    await IncidentStore.migrate(db);
    signals = new SignalStore(db);
    store = newStore(10_000);
    for (const object of clusterObjects()) store.create(object);
    for (let i = 0; i < PODS; i++) store.create(podObject(i));
    const served = await serve(store);
    server = served.server;
    monitor = newMonitor(served.kubeConfig, event => {
      // Persisted one after another, as TelemetryService does.
      queue = queue.then(async () => {
        await signals.upsert(event.signal);
        if (event.type !== 'opened') return;
        prepared ??= event.signal;
        waiting.get(event.signal.object.name)?.();
      });
    });
    monitor.start();
    await synced(monitor);
    await until(() => monitor.cache.size('Pod') === PODS);
  },
  async measure() {
    const latencies: number[] = [];
    for (let s = 0; s < SAMPLES; s++) {
      if (nextPod >= PODS) throw new Error('Out of healthy pods');
      const i = nextPod++;
      const persisted = new Promise<void>(resolve =>
        waiting.set(podName(i), resolve),
      );
      const start = performance.now();
      store.updateStatus(
        podStatusUpdate(i, {
          restartCount: 3,
          ready: false,
          crashing: true,
          startedAt: 120,
        }),
      );
      await persisted;
      latencies.push(performance.now() - start);
      waiting.delete(podName(i));
      await new Promise(resolve => setTimeout(resolve, SPACING_MS));
    }
    // Log capture of the signals may still be running: let it finish.
    await queue;

    const baseline: number[] = [];
    for (let s = 0; s < SAMPLES; s++) {
      const signal: Signal = {
        ...prepared!,
        id: `00000000-0000-4000-8000-${String(nextPod * SAMPLES + s).padStart(
          12,
          '0',
        )}`,
      };
      const start = performance.now();
      await signals.upsert(signal);
      baseline.push(performance.now() - start);
      await new Promise(resolve => setTimeout(resolve, 1));
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    // eslint-disable-next-line no-console
    console.error(
      `  latency ms: p50 ${sorted[SAMPLES >> 1].toFixed(2)}, p90 ${sorted[
        Math.ceil(SAMPLES * 0.9) - 1
      ].toFixed(2)}, p99 ${p99(latencies).toFixed(2)}, max ${sorted[
        SAMPLES - 1
      ].toFixed(2)}; baseline p50 ${[...baseline]
        .sort((a, b) => a - b)
        [SAMPLES >> 1].toFixed(2)}`,
    );
    return {
      value: p99(latencies),
      baseline: {
        name: 'one row insert (SignalStore.upsert)',
        value: p99(baseline),
      },
    };
  },
  async teardown() {
    monitor?.stop();
    await server?.close();
    await db?.destroy();
  },
};
