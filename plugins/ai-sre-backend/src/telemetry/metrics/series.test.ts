import {
  counterRate,
  groupBuckets,
  histogramQuantile,
  matches,
} from './series';

describe('matches', () => {
  it('requires every matcher to equal the label', () => {
    expect(matches({ a: '1', b: '2' }, {})).toBe(true);
    expect(matches({ a: '1', b: '2' }, { a: '1' })).toBe(true);
    expect(matches({ a: '1' }, { a: '2' })).toBe(false);
    expect(matches({ a: '1' }, { b: '1' })).toBe(false);
  });
});

describe('counterRate', () => {
  it('is the increase per second over the samples', () => {
    expect(
      counterRate([
        [0, 10],
        [5_000, 20],
        [10_000, 40],
      ]),
    ).toBe(3);
  });

  it('counts a reset as a restart from zero', () => {
    // 100 -> 130 (+30), reset to 5 (+5), 5 -> 25 (+20): 55 over 10 s.
    expect(
      counterRate([
        [0, 100],
        [4_000, 130],
        [6_000, 5],
        [10_000, 25],
      ]),
    ).toBe(5.5);
    // A reset to exactly zero adds nothing.
    expect(
      counterRate([
        [0, 50],
        [1_000, 0],
        [2_000, 4],
      ]),
    ).toBe(2);
  });

  it('is undefined without two samples or without elapsed time', () => {
    expect(counterRate([])).toBeUndefined();
    expect(counterRate([[0, 1]])).toBeUndefined();
    expect(
      counterRate([
        [1_000, 1],
        [1_000, 2],
      ]),
    ).toBeUndefined();
  });
});

describe('histogramQuantile', () => {
  const buckets = (entries: Array<[number, number]>) => new Map(entries);
  // 100 observations: 10 <= 0.1, 50 <= 0.25, 90 <= 0.5, 100 <= 1.
  const h = buckets([
    [0.1, 10],
    [0.25, 50],
    [0.5, 90],
    [1, 100],
    [Infinity, 100],
  ]);

  it('interpolates linearly inside the bucket, as Prometheus', () => {
    // rank 50 is the top of (0.1, 0.25].
    expect(histogramQuantile(0.5, h)).toBeCloseTo(0.25, 12);
    // rank 30: half way through (0.1, 0.25] (10..50).
    expect(histogramQuantile(0.3, h)).toBeCloseTo(0.175, 12);
    // rank 99: 9/10 of (0.5, 1] (90..100).
    expect(histogramQuantile(0.99, h)).toBeCloseTo(0.95, 12);
    // rank 5: half of the lowest bucket, from 0.
    expect(histogramQuantile(0.05, h)).toBeCloseTo(0.05, 12);
    expect(histogramQuantile(1, h)).toBeCloseTo(1, 12);
    expect(histogramQuantile(0, h)).toBe(0);
  });

  it('does not depend on the order of the map', () => {
    const shuffled = buckets([...h.entries()].reverse());
    expect(histogramQuantile(0.99, shuffled)).toBeCloseTo(0.95, 12);
  });

  it('answers the second-highest bound when the rank is in +Inf', () => {
    const tail = buckets([
      [0.1, 50],
      [0.5, 90],
      [Infinity, 100],
    ]);
    expect(histogramQuantile(0.95, tail)).toBe(0.5);
  });

  it('answers the upper bound of a non-positive lowest bucket', () => {
    const negative = buckets([
      [-1, 10],
      [0, 20],
      [Infinity, 20],
    ]);
    expect(histogramQuantile(0.25, negative)).toBe(-1);
  });

  it('makes dipping cumulative rates monotonic first', () => {
    const dipping = buckets([
      [0.1, 10],
      [0.25, 8],
      [0.5, 20],
      [Infinity, 20],
    ]);
    // As if 0.25 held 10: rank 15 is half way through (0.25, 0.5].
    expect(histogramQuantile(0.75, dipping)).toBeCloseTo(0.375, 12);
  });

  it('follows Prometheus outside 0..1', () => {
    expect(histogramQuantile(-0.5, h)).toBe(-Infinity);
    expect(histogramQuantile(1.5, h)).toBe(Infinity);
    expect(histogramQuantile(NaN, h)).toBeNaN();
  });

  it('is undefined without +Inf, with one bucket or without observations', () => {
    expect(
      histogramQuantile(
        0.5,
        buckets([
          [0.1, 1],
          [1, 2],
        ]),
      ),
    ).toBeUndefined();
    expect(histogramQuantile(0.5, buckets([[Infinity, 5]]))).toBeUndefined();
    expect(
      histogramQuantile(
        0.5,
        buckets([
          [0.1, 0],
          [Infinity, 0],
        ]),
      ),
    ).toBeUndefined();
  });
});

describe('groupBuckets', () => {
  it('groups _bucket series by their labels without le', () => {
    const series = (pod: string, le: string, rate: number) => ({
      labels: { pod, le },
      samples: [[0, rate]] as Array<[number, number]>,
    });
    const groups = groupBuckets(
      [
        series('a', '0.1', 1),
        series('a', '+Inf', 2),
        series('b', '0.1', 3),
        series('b', '+Inf', 4),
        { labels: { pod: 'c' }, samples: [[0, 1]] },
      ],
      s => s.samples[0][1],
    );
    expect(groups).toEqual([
      {
        labels: { pod: 'a' },
        buckets: new Map([
          [0.1, 1],
          [Infinity, 2],
        ]),
      },
      {
        labels: { pod: 'b' },
        buckets: new Map([
          [0.1, 3],
          [Infinity, 4],
        ]),
      },
    ]);
  });
});
