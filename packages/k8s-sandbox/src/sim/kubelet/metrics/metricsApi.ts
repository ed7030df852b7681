/**
 * `metrics.k8s.io/v1beta1` as metrics-server serves it: usage of the
 * containers that run (a container killed for memory reports its limit),
 * nothing for pods and nodes that are not Ready.
 */
import type {
  MetricsProvider,
  NodeMetrics,
  PodMetrics,
} from '../../../api/types';
import type { ContainerUsage } from '../../context';
import { formatKi, formatNanoCores, isoSeconds } from '../format';
import type { PodRuntime } from '../pod';
import type { MetricsSource } from './source';

export const METRICS_WINDOW = '30s';

/** Usage of a pod's containers, or undefined when none is reported. */
export function podUsage(
  pod: PodRuntime,
  now: number,
): ContainerUsage[] | undefined {
  if (pod.frozen || pod.terminal) {
    return undefined;
  }
  const out: ContainerUsage[] = [];
  for (const c of pod.allContainers) {
    const memory = c.workingSet(now);
    if (memory !== undefined && (c.running || c.lastTerminated)) {
      out.push({ name: c.name, cpu: c.running ? c.cpu.alloc : 0, memory });
    }
  }
  return out.length ? out : undefined;
}

export function createMetricsProvider(source: MetricsSource): MetricsProvider {
  return {
    podMetrics(namespace?: string): PodMetrics[] {
      const now = source.now();
      const out: PodMetrics[] = [];
      for (const pod of source.pods.values()) {
        if (namespace && pod.namespace !== namespace) {
          continue;
        }
        const usage = podUsage(pod, now);
        if (!usage) {
          continue;
        }
        out.push({
          metadata: {
            name: pod.name,
            namespace: pod.namespace,
            labels: pod.obj.metadata?.labels,
            creationTimestamp: isoSeconds(now),
          },
          timestamp: isoSeconds(now),
          window: METRICS_WINDOW,
          containers: usage.map(u => ({
            name: u.name,
            usage: { cpu: formatNanoCores(u.cpu), memory: formatKi(u.memory) },
          })),
        });
      }
      return out;
    },
    nodeMetrics(): NodeMetrics[] {
      const now = source.now();
      const out: NodeMetrics[] = [];
      for (const node of source.nodes.values()) {
        if (node.frozen) {
          continue;
        }
        let cpu = 0;
        let memory = 0;
        for (const pod of node.pods) {
          for (const u of podUsage(pod, now) ?? []) {
            cpu += u.cpu;
            memory += u.memory;
          }
        }
        out.push({
          metadata: {
            name: node.name,
            labels: node.obj.metadata?.labels,
            creationTimestamp: isoSeconds(now),
          },
          timestamp: isoSeconds(now),
          window: METRICS_WINDOW,
          usage: { cpu: formatNanoCores(cpu), memory: formatKi(memory) },
        });
      }
      return out;
    },
  };
}
