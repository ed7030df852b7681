import type {
  AiSreClock,
  AiSreTimer,
  DetectorMetrics,
  MetricSeries,
} from '@internal/plugin-ai-sre-node';
import { parseExposition } from './exposition';
import {
  counterRate,
  groupBuckets,
  histogramQuantile,
  matches,
} from './series';

interface StoredSeries {
  name: string;
  labels: Record<string, string>;
  samples: Array<[number, number]>;
  /** The number of the last scrape that returned the series. */
  seenIn: number;
}

export interface ScrapeMetricSourceOptions {
  /** Fetches the exposition text (e.g. GET the cluster's `/metrics`). */
  fetchText(): Promise<string>;
  clock: AiSreClock;
  intervalSeconds?: number;
  /** How much history to keep per series. */
  retentionSeconds?: number;
  /** Only keep series with these names (all when absent). */
  names?: string[];
}

/**
 * Metrics without Prometheus: scrapes a `/metrics` endpoint on the injected
 * clock and computes rates and quantiles from the samples' own timestamps,
 * so it is exact under a virtual clock.
 */
export class ScrapeMetricSource implements DetectorMetrics {
  private readonly series = new Map<string, StoredSeries>();
  private timer?: AiSreTimer;
  private running = false;
  scrapes = 0;
  errors = 0;
  lastError?: string;
  /** Time of the last successful scrape (epoch ms). */
  private scrapedAt?: number;

  constructor(private readonly options: ScrapeMetricSourceOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    const loop = async () => {
      await this.scrape();
      if (this.running) {
        this.timer = this.options.clock.setTimeout(
          loop,
          (this.options.intervalSeconds ?? 15) * 1000,
        );
      }
    };
    void loop();
  }

  stop(): void {
    this.running = false;
    this.timer?.cancel();
  }

  async scrape(): Promise<void> {
    let text: string;
    try {
      text = await this.options.fetchText();
    } catch (error) {
      this.errors++;
      this.lastError = error instanceof Error ? error.message : String(error);
      return;
    }
    let samples;
    try {
      samples = parseExposition(text);
    } catch (error) {
      this.errors++;
      this.lastError = error instanceof Error ? error.message : String(error);
      return;
    }
    const now = this.options.clock.now();
    const keep = this.options.names ? new Set(this.options.names) : undefined;
    const retention = (this.options.retentionSeconds ?? 900) * 1000;
    const scrape = this.scrapes + 1;
    let latest: number | undefined;
    for (const sample of samples) {
      const base = sample.name.replace(/_(bucket|sum|count)$/, '');
      if (keep && !keep.has(sample.name) && !keep.has(base)) continue;
      const key = `${sample.name}${JSON.stringify(sample.labels)}`;
      let stored = this.series.get(key);
      if (!stored) {
        stored = {
          name: sample.name,
          labels: sample.labels,
          samples: [],
          seenIn: scrape,
        };
        this.series.set(key, stored);
      }
      stored.seenIn = scrape;
      const t = sample.timestamp ?? now;
      latest = latest === undefined ? t : Math.max(latest, t);
      const last = stored.samples[stored.samples.length - 1];
      if (!last || t > last[0]) stored.samples.push([t, sample.value]);
    }
    // The scrape's time: its newest sample's (the target's clock), else ours.
    this.scrapedAt = Math.max(this.scrapedAt ?? -Infinity, latest ?? now);
    const oldest = this.scrapedAt - retention;
    for (const [key, stored] of this.series) {
      let drop = 0;
      while (drop < stored.samples.length && stored.samples[drop][0] < oldest)
        drop++;
      if (drop) stored.samples.splice(0, drop);
      if (!stored.samples.length) this.series.delete(key);
    }
    this.scrapes = scrape;
  }

  private select(
    name: string,
    matchers: Record<string, string>,
  ): StoredSeries[] {
    return [...this.series.values()].filter(
      s => s.name === name && matches(s.labels, matchers),
    );
  }

  /** Samples within `windowSeconds` before the last scrape. */
  private window(samples: Array<[number, number]>, windowSeconds: number) {
    const end = this.scrapedAt ?? this.options.clock.now();
    return samples.filter(([t]) => t >= end - windowSeconds * 1000 && t <= end);
  }

  async rate(
    name: string,
    matchers: Record<string, string>,
    windowSeconds: number,
  ): Promise<MetricSeries[]> {
    const out: MetricSeries[] = [];
    for (const s of this.select(name, matchers)) {
      const samples = this.window(s.samples, windowSeconds);
      const rate = counterRate(samples);
      if (rate === undefined) continue;
      out.push({
        labels: s.labels,
        samples: [[samples[samples.length - 1][0], rate]],
      });
    }
    return out;
  }

  /**
   * The latest value of each series the last scrape returned (series gone
   * from the target are stale at once, as Prometheus marks them), with up
   * to 20 samples of history.
   */
  async latest(
    name: string,
    matchers: Record<string, string>,
  ): Promise<MetricSeries[]> {
    return this.select(name, matchers)
      .filter(s => s.samples.length && s.seenIn === this.scrapes)
      .map(s => ({ labels: s.labels, samples: s.samples.slice(-20) }));
  }

  async quantile(
    name: string,
    q: number,
    matchers: Record<string, string>,
    windowSeconds: number,
  ): Promise<MetricSeries[]> {
    const buckets = this.select(`${name}_bucket`, matchers);
    const now = this.scrapedAt ?? this.options.clock.now();
    return groupBuckets(
      buckets.map(s => ({
        labels: s.labels,
        samples: this.window(s.samples, windowSeconds),
      })),
      s => counterRate(s.samples),
    ).flatMap(({ labels, buckets: rates }) => {
      const value = histogramQuantile(q, rates);
      return value === undefined
        ? []
        : [{ labels, samples: [[now, value] as [number, number]] }];
    });
  }
}
