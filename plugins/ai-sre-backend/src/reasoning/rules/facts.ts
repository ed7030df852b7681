/**
 * An index over one signal group and its context that the root-cause rules
 * query: symptoms per workload and when they began, the changes before
 * them, the dependency graph and the entity of each object.
 */
import type {
  Change,
  ObjectRef,
  Signal,
  SignalSeverity,
} from '@internal/plugin-ai-sre-common';
import { formatObjectRef } from '@internal/plugin-ai-sre-common';
import type { ReasoningContext, SignalGroup } from '../types';

/** Kinds that run pods and carry an entity. */
export const WORKLOAD_KINDS = [
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'CronJob',
  'Job',
  'ReplicaSet',
  'Pod',
];

/** Workloads that serve the metrics APIs autoscalers read (well-known add-ons). */
export const METRICS_PIPELINE =
  /(^|-)(metrics-server|prometheus-adapter|keda-operator-metrics-apiserver)$/;

export const refKey = (ref: ObjectRef) => formatObjectRef(ref);

export function parseRefKey(key: string): ObjectRef {
  const parts = key.split('/');
  return parts.length >= 3
    ? { kind: parts[0], namespace: parts[1], name: parts.slice(2).join('/') }
    : { kind: parts[0], name: parts[1] ?? '' };
}

export const iso = (ms: number) => new Date(ms).toISOString();
export const ms = (time: string | null | undefined) =>
  time ? Date.parse(time) : NaN;

/** Seconds, for summaries: `40 s`, `3 min`. */
export function humanGap(milliseconds: number): string {
  const s = Math.round(Math.abs(milliseconds) / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

import { parseQuantity } from '@internal/plugin-ai-sre-common';

export { parseQuantity };

export function formatMi(bytes: number): string {
  return `${Math.ceil(bytes / 1024 ** 2)}Mi`;
}

const SEVERITY_WEIGHT: Record<SignalSeverity, number> = {
  critical: 5,
  high: 4,
  medium: 2,
  low: 1,
  info: 0.5,
};

/** The symptoms of one workload (or of a node, autoscaler or claim). */
export interface Subject {
  key: string;
  ref: ObjectRef;
  signals: Signal[];
  /** First symptom (epoch ms). */
  onset: number;
}

/** What a workload revision changed, read from its diff paths. */
export interface RevisionShape {
  created: boolean;
  code: boolean;
  envValues: string[];
  envRefs: string[];
  probes: boolean;
  memoryLimit?: { before?: number; after?: number };
  cpuLimit?: { before?: number; after?: number };
  requests: boolean;
  scheduling: boolean;
  volumes: boolean;
  restart: boolean;
  other: string[];
}

export function shapeOf(change: Change): RevisionShape {
  const shape: RevisionShape = {
    created: false,
    code: false,
    envValues: [],
    envRefs: [],
    probes: false,
    requests: false,
    scheduling: false,
    volumes: false,
    restart: false,
    other: [],
  };
  for (const entry of change.diff) {
    const path = entry.path;
    if (/^spec(\.jobTemplate\.spec)?\.template$/.test(path)) {
      if (entry.before === undefined) shape.created = true;
      else shape.code = true;
      continue;
    }
    if (
      /[cC]ontainers\[[^\]]+\](\.(image|command|args|workingDir))?$/.test(path)
    ) {
      shape.code = true;
    } else if (/\.env\[([^\]]+)\]\.value$/.test(path)) {
      shape.envValues.push(/\.env\[([^\]]+)\]/.exec(path)![1]);
    } else if (/\.env\[([^\]]+)\]/.test(path) || /\.envFrom/.test(path)) {
      const name = /\.env\[([^\]]+)\]/.exec(path)?.[1] ?? 'envFrom';
      const valueOnly =
        typeof entry.before === 'object' &&
        typeof entry.after === 'object' &&
        entry.before &&
        entry.after &&
        !('valueFrom' in (entry.after as object)) &&
        !('valueFrom' in (entry.before as object));
      if (valueOnly) shape.envValues.push(name);
      else shape.envRefs.push(name);
    } else if (/Probe(\.|$)/.test(path)) {
      shape.probes = true;
    } else if (/resources\.limits\.memory$/.test(path)) {
      shape.memoryLimit = {
        before: parseQuantity(entry.before),
        after: parseQuantity(entry.after),
      };
    } else if (/resources\.limits\.cpu$/.test(path)) {
      shape.cpuLimit = {
        before: parseQuantity(entry.before),
        after: parseQuantity(entry.after),
      };
    } else if (/resources(\.|$)/.test(path)) {
      shape.requests = true;
    } else if (
      /(nodeSelector|affinity|tolerations|topologySpreadConstraints|priorityClassName|nodeName)/.test(
        path,
      )
    ) {
      shape.scheduling = true;
    } else if (/volumes|volumeMounts/.test(path)) {
      shape.volumes = true;
    } else if (
      /restartedAt/.test(path) ||
      // `kubectl rollout restart` on a template without annotations adds
      // the whole annotations map (or metadata) at once.
      (/\.metadata(\.annotations)?$/.test(path) &&
        /restartedAt/.test(JSON.stringify(entry.after ?? '')) &&
        !/restartedAt/.test(JSON.stringify(entry.before ?? '')))
    ) {
      shape.restart = true;
    } else {
      shape.other.push(path);
    }
  }
  return shape;
}

/** The index the rules read. */
export class Facts {
  readonly subjects = new Map<string, Subject>();
  readonly changes: Change[];
  private readonly entityByObject = new Map<string, string>();

  constructor(readonly group: SignalGroup, readonly context: ReasoningContext) {
    for (const signal of group.signals) {
      const key = refKey(signal.workload);
      const subject = this.subjects.get(key) ?? {
        key,
        ref: signal.workload,
        signals: [],
        onset: Infinity,
      };
      subject.signals.push(signal);
      subject.onset = Math.min(subject.onset, ms(signal.firstSeen));
      this.subjects.set(key, subject);
    }
    this.changes = [...context.changes].sort((a, b) => ms(a.at) - ms(b.at));
    // Entities: signals first, then changes, then dependency links.
    for (const signal of group.signals) {
      if (signal.entityRefs[0]) {
        this.remember(refKey(signal.workload), signal.entityRefs[0]);
        this.remember(refKey(signal.object), signal.entityRefs[0]);
      }
    }
    for (const change of this.changes) {
      if (change.entityRefs[0] && change.kind === 'workload-revision') {
        this.remember(refKey(change.object), change.entityRefs[0]);
      }
    }
    for (const link of context.dependencies) {
      if (link.fromEntityRefs[0]) {
        this.remember(refKey(link.from), link.fromEntityRefs[0]);
      }
      if (link.to.length === link.toEntityRefs.length) {
        link.to.forEach((to, i) =>
          this.remember(refKey(to), link.toEntityRefs[i]),
        );
      } else if (link.to.length === 1 && link.toEntityRefs[0]) {
        this.remember(refKey(link.to[0]), link.toEntityRefs[0]);
      }
    }
  }

  private remember(key: string, entity: string) {
    if (!this.entityByObject.has(key)) this.entityByObject.set(key, entity);
  }

  /** The entity of an object (a workload, usually), if known. */
  entityOf(ref: ObjectRef | null | undefined): string | null {
    if (!ref) return null;
    const direct = this.entityByObject.get(refKey(ref));
    if (direct) return direct;
    // Refs without namespace or uid differences: match kind and name.
    for (const [key, entity] of this.entityByObject) {
      const other = parseRefKey(key);
      if (
        other.kind === ref.kind &&
        other.name === ref.name &&
        (!ref.namespace ||
          !other.namespace ||
          other.namespace === ref.namespace)
      ) {
        return entity;
      }
    }
    return null;
  }

  /** The entity with the most (and most severe) symptoms. */
  mostAffectedEntity(among?: string[]): string | null {
    const weight = new Map<string, number>();
    for (const signal of this.group.signals) {
      for (const entity of signal.entityRefs) {
        if (among && !among.includes(entity)) continue;
        weight.set(
          entity,
          (weight.get(entity) ?? 0) + SEVERITY_WEIGHT[signal.severity],
        );
      }
    }
    const best = [...weight.entries()].sort((a, b) => b[1] - a[1])[0];
    return best?.[0] ?? this.group.entityRefs[0] ?? null;
  }

  signals(detector: string, reason?: RegExp): Signal[] {
    return this.group.signals.filter(
      s => s.detector === detector && (!reason || reason.test(s.reason)),
    );
  }

  /** Workload subjects (kinds that run pods). */
  workloads(): Subject[] {
    return [...this.subjects.values()].filter(s =>
      WORKLOAD_KINDS.includes(s.ref.kind),
    );
  }

  subjectOf(ref: ObjectRef): Subject | undefined {
    return this.subjects.get(refKey(ref));
  }

  /**
   * The workload revision that most plausibly started a subject's
   * symptoms: the latest one of that workload up to shortly after onset
   * (signals are debounced, so they trail the change), within an hour.
   */
  revisionBefore(ref: ObjectRef, onset: number): Change | undefined {
    return this.changesBefore(
      onset,
      c => c.kind === 'workload-revision' && sameObject(c.object, ref),
    ).pop();
  }

  /** Changes matching `filter` from an hour before `onset` to 2 min after. */
  changesBefore(onset: number, filter: (c: Change) => boolean): Change[] {
    return this.changes.filter(
      c =>
        filter(c) &&
        ms(c.at) <= onset + 120_000 &&
        ms(c.at) >= onset - 3_600_000,
    );
  }

  /** The revision before a given one of the same workload, if observed. */
  previousRevision(change: Change): Change | undefined {
    return this.changes
      .filter(
        c =>
          c.kind === 'workload-revision' &&
          sameObject(c.object, change.object) &&
          ms(c.at) < ms(change.at),
      )
      .pop();
  }

  /** ConfigMaps/Secrets a workload reads, by the change summaries or entity. */
  reads(change: Change, ref: ObjectRef): boolean {
    if (
      change.object.namespace &&
      ref.namespace &&
      change.object.namespace !== ref.namespace
    ) {
      return false;
    }
    if (change.summary.includes(`${ref.kind} ${ref.name} (`)) return true;
    const entity = this.entityOf(ref);
    return !!entity && change.entityRefs.includes(entity);
  }

  /** Workloads that call `ref` directly (dependency links). */
  callersOf(ref: ObjectRef): ObjectRef[] {
    return this.context.dependencies
      .filter(l => l.to.some(t => sameObject(t, ref)))
      .map(l => l.from);
  }

  /** Workloads `ref` calls directly. */
  dependenciesOf(ref: ObjectRef): ObjectRef[] {
    return this.context.dependencies
      .filter(l => sameObject(l.from, ref))
      .flatMap(l => l.to);
  }

  /** All the text a signal carries: message, fields, events, logs. */
  textOf(signal: Signal): string {
    const fields = signal.evidence.fields;
    const parts = [
      signal.message,
      ...[
        'lastMessage',
        'waitingMessage',
        'statusMessage',
        'schedulerMessage',
        'failedCreateMessage',
      ].map(k => (typeof fields[k] === 'string' ? (fields[k] as string) : '')),
      ...signal.evidence.events.map(e => e.message),
      ...signal.evidence.logs.flatMap(l => l.lines),
    ];
    return parts.filter(Boolean).join('\n');
  }

  subjectText(subject: Subject): string {
    return subject.signals.map(s => this.textOf(s)).join('\n');
  }
}

export function sameObject(a: ObjectRef, b: ObjectRef): boolean {
  return (
    a.kind === b.kind &&
    a.name === b.name &&
    (a.namespace ?? '') === (b.namespace ?? '')
  );
}

export function numberField(signal: Signal, name: string): number | undefined {
  const value = signal.evidence.fields[name];
  return typeof value === 'number' && Number.isFinite(value)
    ? value
    : undefined;
}

export function stringField(signal: Signal, name: string): string | undefined {
  const value = signal.evidence.fields[name];
  return typeof value === 'string' ? value : undefined;
}

export function median(values: number[]): number | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
