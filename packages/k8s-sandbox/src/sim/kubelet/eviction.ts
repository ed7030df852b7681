/**
 * Node-pressure eviction as the kubelet ranks it: lowest priority first,
 * then the largest usage above requests (memory usage is the proxy for
 * every pressure: the simulation models no disk or PID usage). DaemonSet
 * pods and system-critical pods (priority >= 2000000000) are never chosen.
 */
import { formatMemory } from './format';
import type { NodeRuntime, Pressure } from './node';
import type { PodRuntime } from './pod';

const CRITICAL_PRIORITY = 2_000_000_000;
const MEMORY_THRESHOLD = 100 * 2 ** 20;

const RESOURCES: Record<Pressure, string> = {
  MemoryPressure: 'memory',
  DiskPressure: 'ephemeral-storage',
  PIDPressure: 'pids',
};

export interface Victim {
  pod: PodRuntime;
  message: string;
}

function overRequest(pod: PodRuntime, now: number): number {
  let total = 0;
  for (const c of pod.allContainers) {
    total += (c.workingSet(now) ?? 0) - c.memoryRequest;
  }
  return total;
}

function evictable(pod: PodRuntime): boolean {
  const owners = pod.obj.metadata?.ownerReferences ?? [];
  const daemon = owners.some((o: { kind?: string }) => o.kind === 'DaemonSet');
  const priority = pod.obj.spec?.priority ?? 0;
  return (
    !daemon &&
    priority < CRITICAL_PRIORITY &&
    !pod.terminal &&
    pod.stage !== 'stopped' &&
    !pod.obj.metadata?.deletionTimestamp
  );
}

function message(
  node: NodeRuntime,
  pod: PodRuntime,
  pressure: Pressure,
  now: number,
): string {
  const resource = RESOURCES[pressure];
  if (pressure !== 'MemoryPressure') {
    return `The node was low on resource: ${resource}.`;
  }
  let used = 0;
  for (const other of node.pods) {
    for (const c of other.allContainers) {
      used += c.workingSet(now) ?? 0;
    }
  }
  const available = Math.max(
    0,
    Math.min(node.memory - used, MEMORY_THRESHOLD * 0.8),
  );
  const parts = [
    `The node was low on resource: memory. Threshold quantity: ${formatMemory(
      MEMORY_THRESHOLD,
    )}, available: ${formatMemory(available)}.`,
  ];
  for (const c of pod.allContainers) {
    const usage = c.workingSet(now) ?? 0;
    if (usage > c.memoryRequest) {
      parts.push(
        `Container ${c.name} was using ${formatMemory(
          usage,
        )}, request is ${formatMemory(
          c.memoryRequest,
        )}, has larger consumption of memory.`,
      );
    }
  }
  return parts.join(' ');
}

/** The pod the kubelet evicts next under `pressure`, if any. */
export function evictionVictim(
  node: NodeRuntime,
  pressure: Pressure,
  now: number,
): Victim | undefined {
  const ranked = [...node.pods].filter(evictable).sort((a, b) => {
    const pa = a.obj.spec?.priority ?? 0;
    const pb = b.obj.spec?.priority ?? 0;
    if (pa !== pb) {
      return pa - pb;
    }
    const diff = overRequest(b, now) - overRequest(a, now);
    return diff !== 0 ? diff : a.key.localeCompare(b.key);
  });
  const pod = ranked[0];
  return pod ? { pod, message: message(node, pod, pressure, now) } : undefined;
}
