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
 * rate (cumulative, as the `_bucket` series are). Follows Prometheus:
 * linear interpolation inside the bucket (from 0 in the lowest one, unless
 * its bound is not positive), the second-highest bound when the rank falls
 * in the `+Inf` bucket, `-Inf`/`+Inf` for q below 0/above 1, and bucket
 * rates forced monotonic first. Undefined without a `+Inf` bucket, with
 * fewer than two buckets or without observations.
 */
export function histogramQuantile(
  q: number,
  buckets: Map<number, number>,
): number | undefined {
  const sorted = [...buckets.entries()]
    .filter(([bound, count]) => !Number.isNaN(bound) && !Number.isNaN(count))
    .sort((a, b) => a[0] - b[0]);
  if (sorted.length < 2 || sorted[sorted.length - 1][0] !== Infinity)
    return undefined;
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  // Counters scraped at slightly different times can make the cumulative
  // rates dip; Prometheus takes the running maximum.
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i][1] < sorted[i - 1][1]) sorted[i][1] = sorted[i - 1][1];
  }
  const total = sorted[sorted.length - 1][1];
  if (!(total > 0)) return undefined;
  const rank = q * total;
  const index = sorted.findIndex(([, count]) => count >= rank);
  const [bound, count] = sorted[index];
  if (bound === Infinity) return sorted[sorted.length - 2][0];
  if (index === 0 && bound <= 0) return bound;
  const [previousBound, previousCount] =
    index === 0 ? [0, 0] : sorted[index - 1];
  const inBucket = count - previousCount;
  if (inBucket <= 0) return bound;
  return (
    previousBound +
    (bound - previousBound) * ((rank - previousCount) / inBucket)
  );
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
