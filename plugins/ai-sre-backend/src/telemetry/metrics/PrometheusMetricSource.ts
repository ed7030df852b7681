import type {
  DetectorMetrics,
  MetricSeries,
} from '@internal/plugin-ai-sre-node';

export interface PrometheusMetricSourceOptions {
  /** Base URL of a Prometheus-compatible HTTP API, e.g. http://prometheus:9090. */
  url: string;
  /** Extra label matchers added to every query, e.g. `{cluster: "prod-eu"}`. */
  selector?: Record<string, string>;
  headers?: Record<string, string>;
  fetch?: typeof fetch;
  /** The evaluation time of instant queries (epoch ms); default now. */
  time?: () => number;
}

function escape(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n');
}

/**
 * Metrics from Prometheus (or any server with its HTTP API: Thanos, Mimir,
 * VictoriaMetrics) through PromQL instant queries.
 */
export class PrometheusMetricSource implements DetectorMetrics {
  constructor(private readonly options: PrometheusMetricSourceOptions) {}

  private selector(name: string, matchers: Record<string, string>): string {
    const all = { ...(this.options.selector ?? {}), ...matchers };
    const labels = Object.entries(all)
      .map(([key, value]) => `${key}="${escape(value)}"`)
      .join(',');
    return `${name}{${labels}}`;
  }

  /** Runs an instant query; returns its vector as series. */
  async query(promql: string): Promise<MetricSeries[]> {
    const url = new URL('/api/v1/query', this.options.url);
    url.searchParams.set('query', promql);
    if (this.options.time)
      url.searchParams.set('time', String(this.options.time() / 1000));
    const response = await (this.options.fetch ?? fetch)(url, {
      headers: { accept: 'application/json', ...(this.options.headers ?? {}) },
    });
    const body: any = await response.json().catch(() => undefined);
    if (!response.ok || body?.status !== 'success') {
      throw new Error(
        `Prometheus query failed (${response.status}): ${
          body?.error ?? response.statusText
        } [${promql}]`,
      );
    }
    if (body.data.resultType !== 'vector') return [];
    return (
      body.data.result as Array<{
        metric: Record<string, string>;
        value: [number, string];
      }>
    ).map(item => {
      const { __name__: _name, ...labels } = item.metric;
      return {
        labels,
        samples: [[item.value[0] * 1000, Number(item.value[1])]],
      };
    });
  }

  rate(name: string, matchers: Record<string, string>, windowSeconds: number) {
    return this.query(
      `rate(${this.selector(name, matchers)}[${windowSeconds}s])`,
    );
  }

  latest(name: string, matchers: Record<string, string>) {
    return this.query(this.selector(name, matchers));
  }

  quantile(
    name: string,
    q: number,
    matchers: Record<string, string>,
    windowSeconds: number,
  ) {
    return this.query(
      `histogram_quantile(${q}, sum by (le, namespace, pod) (rate(${this.selector(
        `${name}_bucket`,
        matchers,
      )}[${windowSeconds}s])))`,
    );
  }
}
