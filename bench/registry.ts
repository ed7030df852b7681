import type { Benchmark } from './harness';
import { watchFanout } from './sandbox.watch_fanout';

/** Every benchmark `yarn bench` knows, in the order they run. */
export const benchmarks: Benchmark[] = [watchFanout];
