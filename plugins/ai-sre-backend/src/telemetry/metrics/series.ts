import type { MetricSeries } from '@internal/plugin-ai-sre-node';

/** Whether a series' labels satisfy equality matchers. */
export function matches(
  labels: Record<string, string>,
  matchers: Record<string, string>,
) {
  for (const [key, value] of Object.entries(matchers)) {
    if (labels[key] !== value) return false;
  }
  return true;
}

/** Per-second increase of a counter over its samples, allowing for resets. */
export function counterRate(
  samples: Array<[number, number]>,
): number | undefined {
  if (samples.length < 2) return undefined;
  let increase = 0;
  for (let i = 1; i < samples.length; i++) {
    const delta = samples[i][1] - samples[i - 1][1];
    increase += delta >= 0 ? delta : samples[i][1];
  }
  const seconds = (samples[samples.length - 1][0] - samples[0][0]) / 1000;
  return seconds > 0 ? increase / seconds : undefined;
}

/**
 * `histogram_quantile` over per-bucket rates: `buckets` maps `le` to its
 * rate. Linear interpolation inside the bucket, as Prometheus does.
 */
export function histogramQuantile(
  q: number,
  buckets: Map<number, number>,
): number | undefined {
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  if (sorted.length < 2 || sorted[sorted.length - 1][0] !== Infinity)
    return undefined;
  const total = sorted[sorted.length - 1][1];
  if (!(total > 0)) return undefined;
  const rank = q * total;
  let previousBound = 0;
  let previousCount = 0;
  for (const [bound, count] of sorted) {
    if (count >= rank) {
      if (bound === Infinity) return previousBound;
      const inBucket = count - previousCount;
      if (inBucket <= 0) return bound;
      return (
        previousBound +
        (bound - previousBound) * ((rank - previousCount) / inBucket)
      );
    }
    previousBound = bound;
    previousCount = count;
  }
  return previousBound;
}

/** Groups `_bucket` series by their labels without `le`. */
export function groupBuckets(
  series: MetricSeries[],
  rateOf: (s: MetricSeries) => number | undefined,
) {
  const groups = new Map<
    string,
    { labels: Record<string, string>; buckets: Map<number, number> }
  >();
  for (const s of series) {
    const { le, ...labels } = s.labels;
    if (le === undefined) continue;
    const rate = rateOf(s);
    if (rate === undefined) continue;
    const key = JSON.stringify(Object.entries(labels).sort());
    const group = groups.get(key) ?? { labels, buckets: new Map() };
    group.buckets.set(le === '+Inf' ? Infinity : Number(le), rate);
    groups.set(key, group);
  }
  return [...groups.values()];
}
