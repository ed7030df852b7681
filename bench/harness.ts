/**
 * The `yarn bench` harness (../shared/design/BENCHMARKS.md): each benchmark
 * is deterministic in its input, warms up, then reports the median of its
 * runs next to a baseline measured in the same run.
 *
 * A small harness of our own rather than tinybench/mitata: those time a
 * function's calls, while these benchmarks report domain figures (events/s,
 * bytes per pod, ms to catch up) with a baseline of a different unit of work.
 */

export interface Measurement {
  value: number;
  /** The baseline measured in the same run, or null where none is natural. */
  baseline: { name: string; value: number } | null;
  /** A figure reported beside the value (e.g. incidents opened). */
  note?: string;
}

export interface Benchmark {
  name: string;
  unit: string;
  goal: string;
  /** Runs after the warm-up count; the median is reported. Default 5. */
  runs?: number;
  warmups?: number;
  /** Higher is better (throughput) or lower is better (latency, size). */
  better: 'higher' | 'lower';
  setup?(): Promise<void>;
  measure(): Promise<Measurement>;
  teardown?(): Promise<void>;
}

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  baseline: { name: string; value: number } | null;
  ratio: number | null;
  goal: string;
  /** The note of the run whose value is the median (nearest to it). */
  note?: string;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export async function runBenchmark(benchmark: Benchmark): Promise<BenchResult> {
  await benchmark.setup?.();
  try {
    for (let i = 0; i < (benchmark.warmups ?? 1); i++) {
      await benchmark.measure();
    }
    const samples: Measurement[] = [];
    for (let i = 0; i < (benchmark.runs ?? 5); i++) {
      samples.push(await benchmark.measure());
    }
    const value = median(samples.map(s => s.value));
    const baselineSamples = samples
      .map(s => s.baseline)
      .filter((b): b is NonNullable<Measurement['baseline']> => b !== null);
    const baseline = baselineSamples.length
      ? {
          name: baselineSamples[0].name,
          value: median(baselineSamples.map(b => b.value)),
        }
      : null;
    const noted = samples
      .filter(s => s.note !== undefined)
      .sort((a, b) => Math.abs(a.value - value) - Math.abs(b.value - value))[0];
    return {
      name: benchmark.name,
      value: round(value),
      unit: benchmark.unit,
      baseline: baseline ? { ...baseline, value: round(baseline.value) } : null,
      ratio: baseline ? round(value / baseline.value, 3) : null,
      goal: benchmark.goal,
      ...(noted ? { note: noted.note } : {}),
    };
  } finally {
    await benchmark.teardown?.();
  }
}

function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
