import type { AiSreClock } from '@internal/plugin-ai-sre-node';
import { ScrapeMetricSource } from './ScrapeMetricSource';

function manualClock(start = 0) {
  let now = start;
  const clock: AiSreClock = {
    now: () => now,
    setTimeout: () => ({ cancel: () => undefined }),
  };
  return {
    clock,
    set: (t: number) => {
      now = t;
    },
  };
}

/** A source whose next scrape returns `text`. */
function sourceOf(start = 0) {
  const { clock, set } = manualClock(start);
  let text = '';
  const source = new ScrapeMetricSource({
    clock,
    fetchText: async () => text,
  });
  return {
    source,
    async scrapeAt(t: number, lines: string[]) {
      set(t);
      text = lines.join('\n');
      await source.scrape();
    },
  };
}

describe('ScrapeMetricSource', () => {
  it('computes rates from the samples own timestamps', async () => {
    const { source, scrapeAt } = sourceOf();
    // Read late (clock 100 s) but stamped 10 s apart: 5/s.
    await scrapeAt(100_000, ['c_total{pod="a"} 10 0']);
    await scrapeAt(100_000, ['c_total{pod="a"} 60 10000']);
    await expect(source.rate('c_total', {}, 120)).resolves.toEqual([
      { labels: { pod: 'a' }, samples: [[10_000, 5]] },
    ]);
  });

  it('uses the read time for samples without a timestamp', async () => {
    const { source, scrapeAt } = sourceOf();
    await scrapeAt(0, ['c_total 0']);
    await scrapeAt(4_000, ['c_total 8']);
    const [series] = await source.rate('c_total', {}, 60);
    expect(series.samples).toEqual([[4_000, 2]]);
  });

  it('ends the window at the last scrape: a vanished series ages out', async () => {
    const { source, scrapeAt } = sourceOf();
    await scrapeAt(0, ['c_total{pod="old"} 0', 'c_total{pod="new"} 0']);
    await scrapeAt(10_000, ['c_total{pod="old"} 10', 'c_total{pod="new"} 10']);
    for (let t = 20_000; t <= 200_000; t += 10_000) {
      await scrapeAt(t, [`c_total{pod="new"} ${t / 1000}`]);
    }
    const rates = await source.rate('c_total', {}, 120);
    expect(rates.map(s => s.labels.pod)).toEqual(['new']);
  });

  it('answers latest only for series of the last scrape', async () => {
    const { source, scrapeAt } = sourceOf();
    await scrapeAt(0, ['g{pod="a"} 1', 'g{pod="b"} 2']);
    await scrapeAt(1_000, ['g{pod="a"} 3']);
    await expect(source.latest('g', {})).resolves.toEqual([
      {
        labels: { pod: 'a' },
        samples: [
          [0, 1],
          [1_000, 3],
        ],
      },
    ]);
  });

  it('drops series older than the retention', async () => {
    const { clock, set } = manualClock();
    let text = '';
    const source = new ScrapeMetricSource({
      clock,
      retentionSeconds: 30,
      fetchText: async () => text,
    });
    set(0);
    text = 'c_total{pod="gone"} 1';
    await source.scrape();
    set(60_000);
    text = 'c_total{pod="here"} 1';
    await source.scrape();
    expect(
      (await source.rate('c_total', {}, 3600)).map(s => s.labels.pod),
    ).toEqual([]);
    expect((await source.latest('c_total', {})).map(s => s.labels.pod)).toEqual(
      ['here'],
    );
  });

  it('computes histogram quantiles per label set', async () => {
    const { source, scrapeAt } = sourceOf();
    const scrape = (t: number, n: number) =>
      scrapeAt(t, [
        `h_bucket{pod="a",le="0.1"} ${n * 0.5} ${t}`,
        `h_bucket{pod="a",le="1"} ${n * 0.9} ${t}`,
        `h_bucket{pod="a",le="+Inf"} ${n} ${t}`,
        `h_count{pod="a"} ${n} ${t}`,
      ]);
    await scrape(0, 0);
    await scrape(10_000, 1000);
    const [p99] = await source.quantile('h', 0.99, {}, 120);
    expect(p99.labels).toEqual({ pod: 'a' });
    // rank 99% falls in the +Inf bucket: the second-highest bound.
    expect(p99.samples[0][1]).toBe(1);
    const [p70] = await source.quantile('h', 0.7, {}, 120);
    // Half way through (0.1, 1].
    expect(p70.samples[0][1]).toBeCloseTo(0.55, 12);
  });

  it('counts a malformed exposition as a failed scrape', async () => {
    const { source, scrapeAt } = sourceOf();
    await scrapeAt(0, ['c_total 1']);
    await scrapeAt(1_000, ['c_total one']);
    expect(source.scrapes).toBe(1);
    expect(source.errors).toBe(1);
    expect(source.lastError).toMatch(/line 1: malformed value "one"/);
  });
});
