/* eslint-disable no-console */
/**
 * The measuring side of telemetry.heap_per_pod, run as
 * `node --expose-gc --import tsx bench/telemetry.heap_per_pod.child.ts`
 * so that `global.gc()` exists and the heap holds nothing else. Prints one
 * JSON line: `{ "cached": bytes per pod, "full": bytes per pod }`.
 */
import { ObjectCache } from '../plugins/ai-sre-backend/src/telemetry/ObjectCache';
import { trimObject } from '../plugins/ai-sre-backend/src/telemetry/trim';
import { podObject } from './telemetry.fixtures';

const PODS = Number(process.env.BENCH_PODS ?? 10_000);

function heapUsed(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('Run with node --expose-gc');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

// The pods as the API server sends them, one JSON text each.
const texts = Array.from({ length: PODS }, (_, i) =>
  JSON.stringify(podObject(i)),
);

// Baseline: the full objects as received, held in an array.
let h0 = heapUsed();
let full: unknown[] | undefined = texts.map(text => JSON.parse(text));
const fullBytes = heapUsed() - h0;
if (full.length !== PODS) throw new Error('unreachable');
full = undefined;

// The monitor's cache: each received pod trimmed, then stored and indexed.
h0 = heapUsed();
const cache = new ObjectCache();
for (const text of texts) cache.set('Pod', trimObject('Pod', JSON.parse(text)));
const cachedBytes = heapUsed() - h0;
if (cache.size('Pod') !== PODS) throw new Error('unreachable');

console.log(
  JSON.stringify({ cached: cachedBytes / PODS, full: fullBytes / PODS }),
);
