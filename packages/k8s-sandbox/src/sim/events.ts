/**
 * Kubernetes Events as the real components write them: one object per
 * (involved object, reason, message, source), its `count` and `lastTimestamp`
 * bumped when it repeats, named `<object>.<hex>` like the API server does.
 */
import type { ObjectStore } from '../api/store';
import type { KubeObject } from '../api/types';
import type { Clock } from '../clock';

export interface InvolvedObject {
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

export interface EventSource {
  component: string;
  host?: string;
}

export type EventType = 'Normal' | 'Warning';

export function involvedObjectOf(
  object: KubeObject,
  fieldPath?: string,
): InvolvedObject {
  const meta = object.metadata ?? {};
  return {
    kind: object.kind ?? '',
    name: meta.name ?? '',
    namespace: meta.namespace,
    uid: meta.uid,
    apiVersion: object.apiVersion,
    resourceVersion: meta.resourceVersion,
    ...(fieldPath ? { fieldPath } : {}),
  };
}

export class EventRecorder {
  private readonly seen = new Map<string, string>();
  private sequence = 0;

  constructor(
    private readonly store: ObjectStore,
    private readonly clock: Clock,
  ) {}

  record(
    involved: InvolvedObject,
    type: EventType,
    reason: string,
    message: string,
    source: EventSource,
  ): void {
    const namespace = involved.namespace ?? 'default';
    const key = [
      namespace,
      involved.kind,
      involved.name,
      involved.uid ?? '',
      involved.fieldPath ?? '',
      type,
      reason,
      message,
      source.component,
      source.host ?? '',
    ].join('\u0000');
    const now = new Date(this.clock.now()).toISOString();
    const existingName = this.seen.get(key);
    if (existingName) {
      const existing = this.store.tryGet('events', namespace, existingName);
      if (existing) {
        this.store.update({
          ...existing,
          count: ((existing.count as number | undefined) ?? 1) + 1,
          lastTimestamp: now,
          metadata: { ...existing.metadata },
        } as KubeObject);
        return;
      }
    }
    this.sequence += 1;
    const name = `${involved.name}.${(this.clock.now() * 1000 + this.sequence)
      .toString(16)
      .slice(-16)}`;
    this.seen.set(key, name);
    this.store.create({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: involved,
      reason,
      message,
      type,
      source,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      eventTime: null,
      reportingComponent: source.component,
      reportingInstance: source.host ?? '',
    } as KubeObject);
  }
}
