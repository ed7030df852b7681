/**
 * The request-duration histogram: cumulative bucket fractions chosen so that
 * Prometheus' `histogram_quantile` (linear interpolation inside a bucket)
 * returns exactly the effective p50 and p99. Where no piecewise-linear
 * distribution over these bounds can (p50 and p99 close together inside one
 * bucket, or p50 low in the first bucket), p50 is kept and p99 approximated.
 */

/** Upper bounds in seconds (the client libraries' defaults), then +Inf. */
export const BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

export interface LatencyShape {
  /** Cumulative fraction at each bound of BUCKETS (+Inf is 1). */
  cumulative: number[];
  /** Mean duration in seconds. */
  mean: number;
}

function bucketOf(value: number): number {
  const i = BUCKETS.findIndex(b => value <= b);
  return i < 0 ? BUCKETS.length : i;
}

function lowerOf(i: number): number {
  return i === 0 ? 0 : BUCKETS[i - 1];
}

function upperOf(i: number): number {
  return i < BUCKETS.length ? BUCKETS[i] : BUCKETS[BUCKETS.length - 1] * 2;
}

/** Fraction of the way through bucket i that `value` lies. */
function position(i: number, value: number): number {
  const lo = lowerOf(i);
  const hi = upperOf(i);
  return Math.min(1, Math.max(1e-9, (value - lo) / (hi - lo)));
}

/**
 * Places `(q, value)` anchors: returns the cumulative fraction at the lower
 * and upper bound of the bucket holding `value`.
 */
function anchor(q: number, s: number, width: number): [number, number] {
  return [q - s * width, q + (1 - s) * width];
}

/** Linear ramp of cumulative fractions over bucket bounds lo..hi. */
function ramp(
  out: number[],
  fromIndex: number,
  toIndex: number,
  fromValue: number,
  toValue: number,
): void {
  const n = toIndex - fromIndex;
  for (let i = fromIndex; i < toIndex; i++) {
    out[i] = fromValue + ((toValue - fromValue) * (i - fromIndex + 1)) / n;
  }
}

/**
 * Masses of two adjacent buckets holding p50 and p99 such that
 * (1 - s50) × w50 + s99 × w99 = 0.49 (their shared bound), within
 * w50 <= 0.5 / s50 and w99 <= 0.01 / (1 - s99).
 */
function adjacentWidths(
  s50: number,
  s99: number,
  fromZero: boolean,
): [number, number] {
  const max50 = 0.5 / s50;
  const max99 = 0.01 / Math.max(1e-9, 1 - s99);
  const up50 = Math.max(1e-9, 1 - s50);
  if (fromZero) {
    // The first bucket starts at 0 with nothing below it.
    return [
      max50,
      Math.max(1e-9, Math.min(max99, (0.49 - up50 * max50) / s99)),
    ];
  }
  let w50 = Math.min(max50, 0.245 / up50);
  let w99 = Math.min(max99, (0.49 - up50 * w50) / s99);
  w50 = Math.min(max50, Math.max(0, (0.49 - s99 * w99) / up50));
  w99 = Math.max(1e-9, w99);
  return [Math.max(1e-9, w50), w99];
}

/** Bucket fractions for latency percentiles given in ms. */
export function latencyShape(p50Ms: number, p99Ms: number): LatencyShape {
  const p50 = Math.max(1e-6, p50Ms / 1000);
  const p99 = Math.max(p50 * 1.000001, p99Ms / 1000);
  const b50 = bucketOf(p50);
  const b99 = bucketOf(p99);
  const s50 = position(b50, p50);
  const s99 = position(b99, p99);
  // cum[i] is the cumulative fraction at BUCKETS[i] (upper bound of i).
  const cum = new Array<number>(BUCKETS.length + 1).fill(1);
  if (b50 === b99) {
    // One linear piece through both anchors.
    let width = 0.49 / Math.max(1e-9, s99 - s50);
    let low = 0.5 - s50 * width;
    if (low < 0 || low + width > 1 || (b50 === 0 && low !== 0)) {
      width = Math.min(0.5 / s50, 0.5 / Math.max(1e-9, 1 - s50));
      low = 0.5 - s50 * width;
    }
    ramp(cum, 0, b50, 0, low);
    cum[b50] = Math.min(1, low + width);
  } else if (b99 === b50 + 1) {
    // Adjacent buckets share a bound: its fraction must serve both anchors.
    const [w50, w99] = adjacentWidths(s50, s99, b50 === 0);
    const [lo50, hi50] = anchor(0.5, s50, w50);
    ramp(cum, 0, b50, 0, lo50);
    cum[b50] = hi50;
    cum[b99] = anchor(0.99, s99, w99)[1];
  } else {
    const w50 =
      b50 === 0
        ? 0.5 / s50
        : Math.min(0.5 / s50, 0.49 / (2 * Math.max(1e-9, 1 - s50)));
    const [lo50, hi50] = anchor(0.5, s50, w50);
    const w99 = Math.min(0.01 / Math.max(1e-9, 1 - s99), 0.49 / (2 * s99));
    const [lo99, hi99] = anchor(0.99, s99, w99);
    ramp(cum, 0, b50, 0, lo50);
    cum[b50] = hi50;
    ramp(cum, b50 + 1, b99, hi50, lo99);
    cum[b99] = hi99;
  }
  for (let i = b99 + 1; i <= BUCKETS.length; i++) {
    cum[i] = 1;
  }
  cum[BUCKETS.length] = 1;
  let mean = 0;
  let previous = 0;
  for (let i = 0; i <= BUCKETS.length; i++) {
    const mass = Math.max(0, cum[i] - previous);
    mean += (mass * (lowerOf(i) + upperOf(i))) / 2;
    previous = Math.max(previous, cum[i]);
  }
  return { cumulative: cum.slice(0, BUCKETS.length), mean };
}

/**
 * What `histogram_quantile` computes from cumulative bucket fractions (used
 * by the tests to check the shape).
 */
export function histogramQuantile(q: number, cumulative: number[]): number {
  let previous = 0;
  for (let i = 0; i < cumulative.length; i++) {
    if (cumulative[i] >= q) {
      const lo = lowerOf(i);
      const hi = BUCKETS[i];
      const span = cumulative[i] - previous;
      return span <= 0 ? hi : lo + ((hi - lo) * (q - previous)) / span;
    }
    previous = cumulative[i];
  }
  return BUCKETS[BUCKETS.length - 1];
}
