import type { Benchmark } from './harness';
import { storeSearchP95 } from './store.search_p95';
import { evalWall } from './eval.wall';
import { frontendBundleAdded } from './frontend.bundle_added';
import { reasoningIncidentsPerS } from './reasoning.incidents_per_s';
import { reasoningStorm } from './reasoning.storm';
import { reasoningWorkflowP95 } from './reasoning.workflow_p95';
import { watchFanout } from './sandbox.watch_fanout';
import { telemetryHeapPerPod } from './telemetry.heap_per_pod';
import { telemetrySignalLatency } from './telemetry.signal_latency_p99';
import { telemetryThroughput } from './telemetry.throughput';

/** Every benchmark `yarn bench` knows, in the order they run. */
export const benchmarks: Benchmark[] = [
  watchFanout,
  telemetryThroughput,
  telemetryHeapPerPod,
  telemetrySignalLatency,
  reasoningWorkflowP95,
  reasoningIncidentsPerS,
  reasoningStorm,
  evalWall,
  storeSearchP95,
  frontendBundleAdded,
];
