import type {
  DetectorMetrics,
  MetricSeries,
} from '@internal/plugin-ai-sre-node';

export interface PrometheusMetricSourceOptions {
  /**
   * Base URL of a Prometheus-compatible HTTP API, e.g. http://prometheus:9090
   * or, behind a path prefix, http://mimir/prometheus (the prefix is kept).
   */
  url: string;
  /** Extra label matchers added to every query, e.g. `{cluster: "prod-eu"}`. */
  selector?: Record<string, string>;
  headers?: Record<string, string>;
  fetch?: typeof fetch;
  /** The evaluation time of instant queries (epoch ms); default now. */
  time?: () => number;
  /** Abandons a query after this long; default 30 s. */
  timeoutMs?: number;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Labels the quantile keeps besides `le`: the detectors group by pod. */
const QUANTILE_BY = ['namespace', 'pod'];

/** A PromQL string literal's content. */
function escape(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n');
}

/** A PromQL range: whole milliseconds (`[1.5s]` is not PromQL). */
export function promRange(windowSeconds: number): string {
  const ms = Math.round(windowSeconds * 1000);
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new Error(`Invalid metrics window of ${windowSeconds} seconds`);
  }
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** A sample value of the HTTP API: a number, or `+Inf`, `-Inf`, `NaN`. */
function sampleValue(text: string): number {
  switch (text) {
    case '+Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    default:
      return Number(text);
  }
}

/**
 * Metrics from Prometheus (or any server with its HTTP API: Thanos, Mimir,
 * VictoriaMetrics) through PromQL instant queries.
 */
export class PrometheusMetricSource implements DetectorMetrics {
  constructor(private readonly options: PrometheusMetricSourceOptions) {}

  /** `name{label="value",...}`: the source's selector, then the matchers. */
  selector(name: string, matchers: Record<string, string>): string {
    if (!METRIC_NAME.test(name)) {
      throw new Error(`Invalid metric name ${JSON.stringify(name)}`);
    }
    const all = { ...(this.options.selector ?? {}), ...matchers };
    const labels = Object.entries(all).map(([key, value]) => {
      if (!LABEL_NAME.test(key) || key.startsWith('__')) {
        throw new Error(`Invalid label name ${JSON.stringify(key)}`);
      }
      return `${key}="${escape(value)}"`;
    });
    return labels.length ? `${name}{${labels.join(',')}}` : name;
  }

  private endpoint(path: string): URL {
    const base = new URL(this.options.url);
    base.pathname = `${base.pathname.replace(/\/+$/, '')}${path}`;
    base.search = '';
    base.hash = '';
    return base;
  }

  /** Runs an instant query; returns its vector (or scalar) as series. */
  async query(promql: string): Promise<MetricSeries[]> {
    const url = this.endpoint('/api/v1/query');
    const form = new URLSearchParams({ query: promql });
    if (this.options.time)
      form.set('time', (this.options.time() / 1000).toFixed(3));
    // POST (form-encoded) as the API allows: long selectors fit no URL.
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(url, {
        method: 'POST',
        headers: {
          accept: 'application/json',
          'content-type': 'application/x-www-form-urlencoded',
          ...(this.options.headers ?? {}),
        },
        body: form.toString(),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      throw new Error(
        `Prometheus query failed: ${url.origin} unreachable (${
          error instanceof Error ? error.message : String(error)
        }) [${promql}]`,
      );
    }
    const text = await response.text().catch(() => '');
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!response.ok || body?.status !== 'success') {
      const reason = body?.error
        ? `${body.errorType ? `${body.errorType}: ` : ''}${body.error}`
        : text.trim().slice(0, 200) || response.statusText;
      throw new Error(
        `Prometheus query failed (${response.status}): ${reason} [${promql}]`,
      );
    }
    const data = body.data ?? {};
    if (data.resultType === 'scalar') {
      const [t, v] = data.result as [number, string];
      return [{ labels: {}, samples: [[t * 1000, sampleValue(v)]] }];
    }
    if (data.resultType !== 'vector') {
      throw new Error(
        `Prometheus query returned a ${data.resultType}, not an instant vector [${promql}]`,
      );
    }
    return (
      data.result as Array<{
        metric: Record<string, string>;
        value: [number, string];
      }>
    ).map(item => {
      const { __name__: _name, ...labels } = item.metric;
      return {
        labels,
        samples: [[item.value[0] * 1000, sampleValue(item.value[1])]],
      };
    });
  }

  /** `rate(name{...}[window])`: one series per label set, `__name__` dropped. */
  async rate(
    name: string,
    matchers: Record<string, string>,
    windowSeconds: number,
  ): Promise<MetricSeries[]> {
    return this.query(
      `rate(${this.selector(name, matchers)}[${promRange(windowSeconds)}])`,
    );
  }

  /** `name{...}`: the newest sample of each series (5 min lookback). */
  async latest(
    name: string,
    matchers: Record<string, string>,
  ): Promise<MetricSeries[]> {
    return this.query(this.selector(name, matchers));
  }

  /**
   * `histogram_quantile` over the `_bucket` rates summed per pod (the
   * `namespace` and `pod` labels kept, scrape labels like `instance` and
   * other dimensions like `code` or `path` summed away).
   */
  async quantile(
    name: string,
    q: number,
    matchers: Record<string, string>,
    windowSeconds: number,
  ): Promise<MetricSeries[]> {
    if (!(q >= 0 && q <= 1)) {
      throw new Error(`Invalid quantile ${q}: expected 0..1`);
    }
    return this.query(
      `histogram_quantile(${q}, sum by (le, ${QUANTILE_BY.join(
        ', ',
      )}) (rate(${this.selector(`${name}_bucket`, matchers)}[${promRange(
        windowSeconds,
      )}])))`,
    );
  }
}
