import type {
  AiSreClock,
  DetectorMetrics,
  MetricSeries,
} from '@internal/plugin-ai-sre-node';
import { parseQuantity } from '../detectors/util';
import { KubeClient } from '../kube/KubeClient';

interface PodMetricsItem {
  metadata: { name: string; namespace: string };
  timestamp?: string;
  containers: Array<{ name: string; usage: { cpu?: string; memory?: string } }>;
}

/**
 * Usage from `metrics.k8s.io` (metrics-server), for clusters without
 * Prometheus or a scrape endpoint: CPU usage (already a rate) answers
 * `rate(container_cpu_usage_seconds_total)` and the working set answers
 * `latest(container_memory_working_set_bytes)`. Other series (throttling,
 * requests, latency) are not available there and come back empty.
 */
export class MetricsServerSource implements DetectorMetrics {
  constructor(
    private readonly client: KubeClient,
    private readonly clock: AiSreClock,
  ) {}

  private async podMetrics(namespace?: string): Promise<PodMetricsItem[]> {
    const path = namespace
      ? `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(
          namespace,
        )}/pods`
      : '/apis/metrics.k8s.io/v1beta1/pods';
    const list = await this.client.getJson<{ items?: PodMetricsItem[] }>(path);
    return list?.items ?? [];
  }

  private async usage(
    resource: 'cpu' | 'memory',
    matchers: Record<string, string>,
  ): Promise<MetricSeries[]> {
    const items = await this.podMetrics(matchers.namespace);
    const now = this.clock.now();
    const out: MetricSeries[] = [];
    for (const item of items) {
      if (matchers.pod && item.metadata.name !== matchers.pod) continue;
      const at = item.timestamp ? Date.parse(item.timestamp) : now;
      for (const container of item.containers) {
        if (matchers.container && container.name !== matchers.container)
          continue;
        const value = parseQuantity(container.usage[resource]);
        if (value === undefined) continue;
        out.push({
          labels: {
            namespace: item.metadata.namespace,
            pod: item.metadata.name,
            container: container.name,
          },
          samples: [[Number.isNaN(at) ? now : at, value]],
        });
      }
    }
    return out;
  }

  async rate(
    name: string,
    matchers: Record<string, string>,
    // metrics-server reports usage as a rate already: no window to apply.
    _windowSeconds?: number,
  ): Promise<MetricSeries[]> {
    return name === 'container_cpu_usage_seconds_total'
      ? this.usage('cpu', matchers)
      : [];
  }

  async latest(
    name: string,
    matchers: Record<string, string>,
  ): Promise<MetricSeries[]> {
    return name === 'container_memory_working_set_bytes'
      ? this.usage('memory', matchers)
      : [];
  }

  async quantile(): Promise<MetricSeries[]> {
    return [];
  }
}
