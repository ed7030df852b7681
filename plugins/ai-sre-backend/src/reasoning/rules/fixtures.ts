/**
 * Builders of realistic signals, changes and contexts (shaped as the
 * telemetry detectors and the change tracker produce them), for tests.
 */
import type { Change, ObjectRef, Signal } from '@internal/plugin-ai-sre-common';
import type { DependencyLink, ReasoningContext, SignalGroup } from '../types';

export const T0 = Date.parse('2025-03-04T00:00:00Z');
export const at = (seconds: number) =>
  new Date(T0 + seconds * 1000).toISOString();

let counter = 0;

export const deployment = (name: string, namespace = 'shop'): ObjectRef => ({
  kind: 'Deployment',
  namespace,
  name,
});

export const entity = (name: string) => `component:default/${name}`;

export interface SignalSpec {
  detector: string;
  reason: string;
  /** The signal's object (default: a pod of the workload). */
  object?: ObjectRef;
  /** The workload (top of the owner chain); null for nodes, HPAs, claims. */
  workload?: ObjectRef | null;
  fields?: Record<string, unknown>;
  message?: string;
  firstSeen?: number;
  severity?: Signal['severity'];
  logs?: string[];
  events?: string[];
  metrics?: Signal['evidence']['metrics'];
}

export function signal(spec: SignalSpec): Signal {
  counter++;
  const workload = spec.workload ?? null;
  const object: ObjectRef =
    spec.object ??
    (workload
      ? {
          kind: 'Pod',
          namespace: workload.namespace,
          name: `${workload.name}-7d9f8c6b5-x${counter}`,
        }
      : { kind: 'Unknown', name: 'unknown' });
  const labels: Record<string, string> =
    workload && spec.workload
      ? { 'backstage.io/kubernetes-id': workload.name }
      : {};
  return {
    schemaVersion: 1,
    id: `sig-${counter}`,
    fingerprint: `fp-${counter}`,
    detector: spec.detector,
    severity: spec.severity ?? 'high',
    cluster: 'prod',
    object,
    ownerChain: workload ? [workload] : [],
    workload: workload ?? object,
    labels,
    reason: spec.reason,
    message:
      spec.message ?? `${spec.detector} ${spec.reason} on ${object.name}`,
    status: 'active',
    firstSeen: at(spec.firstSeen ?? 120),
    lastSeen: at((spec.firstSeen ?? 120) + 60),
    resolvedAt: null,
    count: 1,
    evidence: {
      fields: spec.fields ?? {},
      events: (spec.events ?? []).map(message => ({
        object,
        type: 'Warning',
        reason: 'Unhealthy',
        message,
        count: 1,
      })),
      logs: spec.logs
        ? [
            {
              pod: object.name,
              container: object.name,
              previous: true,
              lines: spec.logs,
              truncated: false,
            },
          ]
        : [],
      metrics: spec.metrics ?? [],
    },
    entityRefs: workload && spec.workload ? [entity(workload.name)] : [],
  };
}

export function change(
  kind: Change['kind'],
  object: ObjectRef,
  seconds: number,
  summary: string,
  diff: Change['diff'],
  extra: Partial<Change> = {},
): Change {
  counter++;
  return {
    id: `chg-${counter}`,
    cluster: 'prod',
    object,
    kind,
    at: at(seconds),
    revision: null,
    summary,
    diff,
    labels: {},
    entityRefs: kind === 'workload-revision' ? [entity(object.name)] : [],
    ...extra,
  };
}

export function link(
  from: ObjectRef,
  to: ObjectRef,
  evidence = 'env',
): DependencyLink {
  return {
    cluster: 'prod',
    from,
    to: [to],
    fromEntityRefs: [entity(from.name)],
    toEntityRefs: [entity(to.name)],
    evidence,
  };
}

export function scenario(
  signals: Signal[],
  changes: Change[] = [],
  dependencies: DependencyLink[] = [],
): { group: SignalGroup; context: ReasoningContext } {
  return {
    group: {
      key: 'test',
      signals,
      entityRefs: [...new Set(signals.flatMap(s => s.entityRefs))],
      startedAt: Math.min(...signals.map(s => Date.parse(s.firstSeen))),
    },
    context: {
      now: T0 + 900_000,
      changes,
      dependencies,
      entities: {},
    },
  };
}
