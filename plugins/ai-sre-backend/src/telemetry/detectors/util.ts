import type { EvidenceEvent, ObjectRef } from '@internal/plugin-ai-sre-common';
import type { DetectorContext, K8sObject } from '@internal/plugin-ai-sre-node';

import { parseQuantity } from '@internal/plugin-ai-sre-common';

export { parseQuantity };

/** The ref of an object as detectors cite it. */
export function refOf(object: K8sObject): ObjectRef {
  const meta = object.metadata ?? {};
  return {
    kind: object.kind ?? 'Unknown',
    ...(meta.namespace ? { namespace: meta.namespace } : {}),
    name: meta.name ?? '',
    ...(meta.uid ? { uid: meta.uid } : {}),
  };
}

export function parseTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || !value) {
    return undefined;
  }
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

export interface ContainerStatus {
  name: string;
  image?: string;
  ready?: boolean;
  restartCount?: number;
  state?: {
    waiting?: { reason?: string; message?: string };
    running?: { startedAt?: string };
    terminated?: ContainerTermination;
  };
  lastState?: { terminated?: ContainerTermination };
}

export interface ContainerTermination {
  exitCode?: number;
  reason?: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
}

/** Init and app container statuses of a pod, with which list they came from. */
export function containerStatuses(
  pod: K8sObject,
): Array<ContainerStatus & { init: boolean }> {
  const status = pod.status ?? {};
  return [
    ...((status.initContainerStatuses ?? []) as ContainerStatus[]).map(c => ({
      ...c,
      init: true,
    })),
    ...((status.containerStatuses ?? []) as ContainerStatus[]).map(c => ({
      ...c,
      init: false,
    })),
  ];
}

/** The container spec of a pod by name (app or init container). */
export function containerSpec(
  pod: K8sObject,
  name: string,
): Record<string, any> | undefined {
  const spec = pod.spec ?? {};
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])].find(
    (c: { name?: string }) => c.name === name,
  );
}

/** Recent events about an object, filtered by reason, as evidence. */
export function eventEvidence(
  context: DetectorContext,
  object: K8sObject,
  reasons?: readonly string[],
  limit = 5,
): EvidenceEvent[] {
  return context
    .eventsFor(object)
    .filter(event => !reasons || reasons.includes(String(event.reason)))
    .slice(-limit)
    .map(event => ({
      object: refOf(object),
      type: String(event.type ?? 'Normal'),
      reason: String(event.reason ?? ''),
      message: String(event.message ?? ''),
      count: Number(event.count ?? 1),
      ...(event.firstTimestamp
        ? { firstTimestamp: String(event.firstTimestamp) }
        : {}),
      ...(event.lastTimestamp
        ? { lastTimestamp: String(event.lastTimestamp) }
        : {}),
    }));
}

export function condition(
  object: K8sObject,
  type: string,
):
  | {
      status?: string;
      reason?: string;
      message?: string;
      lastTransitionTime?: string;
    }
  | undefined {
  return ((object.status?.conditions ?? []) as Array<{ type?: string }>).find(
    c => c.type === type,
  ) as any;
}

/** Seconds since a time, by the injected clock. */
export function secondsSince(context: DetectorContext, time?: number): number {
  return time === undefined ? Infinity : (context.now() - time) / 1000;
}

/** `123456789` bytes as `118Mi`. */
export function formatBytes(bytes: number): string {
  const units = ['', 'Ki', 'Mi', 'Gi', 'Ti'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Math.round(value * 10) / 10}${units[unit]}`;
}
