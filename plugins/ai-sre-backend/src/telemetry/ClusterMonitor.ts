import {
  EvidenceLog,
  formatObjectRef,
  ObjectRef,
  redactText,
} from '@internal/plugin-ai-sre-common';
import type {
  AiSreClock,
  AiSreDetector,
  AiSreTimer,
  DetectorContext,
  DetectorMetrics,
  K8sObject,
  WatchedKind,
} from '@internal/plugin-ai-sre-node';
import type { Change } from '@internal/plugin-ai-sre-common';
import { Baselines } from './Baselines';
import { ChangeTracker } from './changes';
import { refOf } from './detectors/util';
import { Informer } from './Informer';
import { KIND_PATHS } from './kube/kinds';
import { KubeClient } from './kube/KubeClient';
import { CacheChange, ObjectCache } from './ObjectCache';
import { FindingPlacement, SignalEvent, SignalTracker } from './SignalTracker';
import { trimObject } from './trim';

/** The logger telemetry writes to (Backstage's LoggerService fits). */
export interface LoggerLike {
  info(message: string, meta?: Record<string, string | number | boolean>): void;
  warn(message: string, meta?: Record<string, string | number | boolean>): void;
  error(
    message: string,
    meta?: Record<string, string | number | boolean>,
  ): void;
}

export interface ClusterMonitorOptions {
  cluster: string;
  client: KubeClient;
  clock: AiSreClock;
  detectors: AiSreDetector[];
  /** Effective numeric settings of a detector (defaults overlaid by config). */
  settings(detector: AiSreDetector): Record<string, number>;
  metrics?: DetectorMetrics;
  emit(event: SignalEvent): void;
  /** Changes to workloads, config, Services and nodes, as evidence. */
  emitChange?(change: Change): void;
  logger: LoggerLike;
  /** Seconds between re-evaluations of every object (time windows). */
  resyncSeconds?: number;
  logCapture?: { tailLines: number; limitBytes: number };
  /**
   * Exact secret values to redact from captured logs, for namespaces where
   * the adopter granted Secret read (namespace -> values).
   */
  knownSecrets?(namespace: string): Promise<string[]>;
}

/** Kinds read only for changes and dependencies, not by detectors. */
const CONTEXT_KINDS: WatchedKind[] = [
  'Event',
  'Pod',
  'ReplicaSet',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'Service',
  'ConfigMap',
  'Secret',
  'HorizontalPodAutoscaler',
  'PersistentVolumeClaim',
  'Node',
];

/**
 * Watches one cluster: informers feed a trimmed cache, detectors evaluate
 * what changed (and everything, periodically, for time windows), and the
 * tracker turns findings into signals.
 */
export class ClusterMonitor {
  readonly cache = new ObjectCache();
  readonly tracker: SignalTracker;
  readonly changes: ChangeTracker;
  /** Kinds whose first full list has arrived (adds before it are no changes). */
  private readonly listed = new Set<string>();
  private readonly informers = new Map<WatchedKind, Informer>();
  private readonly baselines = new Baselines();
  private readonly byKind = new Map<string, AiSreDetector[]>();
  private readonly periodic: AiSreDetector[];
  private readonly pending = new Map<
    string,
    { kind: string; namespace?: string; name: string }
  >();
  private flushTimer?: AiSreTimer;
  private readonly timers: AiSreTimer[] = [];
  private running = false;
  /** `[time, API requests so far]`, sampled at each resync, for a rate. */
  private readonly requestSamples: Array<[number, number]> = [];
  readonly stats = {
    evaluations: 0,
    detectorErrors: 0,
    signalsOpened: 0,
    lastEvaluationAt: undefined as number | undefined,
  };

  constructor(private readonly options: ClusterMonitorOptions) {
    for (const detector of options.detectors) {
      if (!detector.evaluate) continue;
      for (const kind of detector.reads) {
        const list = this.byKind.get(kind) ?? [];
        list.push(detector);
        this.byKind.set(kind, list);
      }
    }
    this.periodic = options.detectors.filter(d => d.evaluatePeriodic);
    this.changes = new ChangeTracker({
      cluster: options.cluster,
      clock: options.clock,
      cache: this.cache,
      emit: change => options.emitChange?.(change),
    });
    this.tracker = new SignalTracker({
      cluster: options.cluster,
      clock: options.clock,
      place: object => this.place(object),
      emit: event => {
        if (event.type === 'opened') {
          this.stats.signalsOpened++;
          this.captureLogs(event);
        }
        options.emit(event);
      },
    });
  }

  /** The kinds this monitor watches. */
  kinds(): WatchedKind[] {
    const kinds = new Set<WatchedKind>(CONTEXT_KINDS);
    for (const kind of this.byKind.keys()) {
      if (kind in KIND_PATHS) kinds.add(kind as WatchedKind);
    }
    return [...kinds];
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    for (const kind of this.kinds()) {
      const informer = new Informer({
        client: this.options.client,
        path: KIND_PATHS[kind],
        clock: this.options.clock,
        handlers: {
          onReplace: items => this.replace(kind, items),
          onAdd: object => this.upsert(kind, object),
          onUpdate: object => this.upsert(kind, object),
          onDelete: object => this.remove(kind, object),
          onError: error =>
            this.options.logger.warn(
              `Watch of ${kind} in cluster ${this.options.cluster} failed`,
              {
                error: error instanceof Error ? error.message : String(error),
              },
            ),
        },
      });
      this.informers.set(kind, informer);
      informer.start();
    }
    this.every((this.options.resyncSeconds ?? 30) * 1000, () => this.resync());
    for (const detector of this.periodic) {
      this.every((detector.intervalSeconds ?? 30) * 1000, () =>
        this.runPeriodic(detector),
      );
    }
  }

  stop(): void {
    this.running = false;
    for (const informer of this.informers.values()) informer.stop();
    this.informers.clear();
    for (const timer of this.timers.splice(0)) timer.cancel();
    this.changes.stop();
    this.flushTimer?.cancel();
    this.flushTimer = undefined;
  }

  /** Connection health and counters, for the API and metrics. */
  health() {
    const informers = [...this.informers.entries()].map(([kind, informer]) => ({
      kind,
      ...informer.stats,
    }));
    const lastEventAt = Math.max(0, ...informers.map(i => i.lastEventAt ?? 0));
    const now = this.options.clock.now();
    const first = this.requestSamples[0];
    const elapsedMinutes = first ? (now - first[0]) / 60_000 : 0;
    return {
      cluster: this.options.cluster,
      synced: informers.length > 0 && informers.every(i => i.synced),
      watches: informers.length,
      apiRequests: this.options.client.requests,
      apiRequestsPerMinute:
        first && elapsedMinutes > 0
          ? Math.round(
              ((this.options.client.requests - first[1]) / elapsedMinutes) * 10,
            ) / 10
          : null,
      lastEventAt: lastEventAt ? new Date(lastEventAt).toISOString() : null,
      errors: informers.reduce((sum, i) => sum + i.errors, 0),
      relists: informers.reduce((sum, i) => sum + i.relists, 0),
      objects: this.cache.size(),
      activeSignals: this.tracker.active().length,
      ...this.stats,
      informers,
    };
  }

  /** Evaluates every cached object and periodic detector once, now. */
  async evaluateAll(): Promise<void> {
    this.resync();
    for (const detector of this.periodic) await this.runPeriodic(detector);
  }

  private every(ms: number, fn: () => void | Promise<void>): void {
    const schedule = () => {
      const timer = this.options.clock.setTimeout(async () => {
        const index = this.timers.indexOf(timer);
        if (index >= 0) this.timers.splice(index, 1);
        if (!this.running) return;
        try {
          await fn();
        } finally {
          if (this.running) schedule();
        }
      }, ms);
      this.timers.push(timer);
    };
    schedule();
  }

  private replace(kind: WatchedKind, items: any[]): void {
    const changes = this.cache.replace(
      kind,
      items.map(item => trimObject(kind, item)),
    );
    const initial = !this.listed.has(kind);
    this.listed.add(kind);
    for (const change of changes) this.changed(change, initial);
  }

  private upsert(kind: WatchedKind, object: any): void {
    const trimmed = trimObject(kind, object);
    const previous = this.cache.set(kind, trimmed);
    this.changed({
      type: previous ? 'updated' : 'added',
      kind,
      object: trimmed,
      previous,
    });
  }

  private remove(kind: WatchedKind, object: any): void {
    const previous = this.cache.delete(kind, trimObject(kind, object));
    if (previous) this.changed({ type: 'deleted', kind, object: previous });
  }

  private changed(change: CacheChange, initial = false): void {
    if (change.kind !== 'Event') {
      this.changes.observe(change, { initial });
    }
    const meta = change.object.metadata ?? {};
    if (change.type === 'deleted') {
      for (const detector of this.byKind.get(change.kind) ?? []) {
        this.tracker.forget(
          this.source(detector, change.kind, meta.namespace, meta.name ?? ''),
        );
      }
    } else {
      this.enqueue(change.kind, meta.namespace, meta.name ?? '');
    }
    if (change.kind === 'Event') {
      const involved = (change.object as any).involvedObject;
      if (involved?.kind && involved?.name) {
        this.enqueue(involved.kind, involved.namespace, involved.name);
      }
    }
  }

  private enqueue(
    kind: string,
    namespace: string | undefined,
    name: string,
  ): void {
    if (!this.byKind.has(kind)) return;
    this.pending.set(`${kind}/${namespace ?? ''}/${name}`, {
      kind,
      namespace,
      name,
    });
    if (!this.flushTimer) {
      this.flushTimer = this.options.clock.setTimeout(() => {
        this.flushTimer = undefined;
        this.flush();
      }, 0);
    }
  }

  private flush(): void {
    const batch = [...this.pending.values()];
    this.pending.clear();
    for (const { kind, namespace, name } of batch) {
      const object = this.cache.get(kind, namespace, name);
      if (object) this.evaluate(kind, object);
    }
    this.tracker.tick();
  }

  private source(
    detector: AiSreDetector,
    kind: string,
    namespace: string | undefined,
    name: string,
  ) {
    return `${detector.id}|${kind}/${namespace ?? ''}/${name}`;
  }

  private evaluate(kind: string, object: K8sObject): void {
    const context = this.context();
    for (const detector of this.byKind.get(kind) ?? []) {
      context.settings = this.options.settings(detector);
      let findings;
      try {
        findings = detector.evaluate!(object, context);
      } catch (error) {
        this.stats.detectorErrors++;
        this.options.logger.error(`Detector ${detector.id} failed`, {
          error: error instanceof Error ? error.message : String(error),
        });
        continue;
      }
      const meta = object.metadata ?? {};
      this.tracker.report(
        detector,
        this.source(detector, kind, meta.namespace, meta.name ?? ''),
        findings,
      );
    }
    this.stats.evaluations++;
    this.stats.lastEvaluationAt = this.options.clock.now();
  }

  private resync(): void {
    this.requestSamples.push([
      this.options.clock.now(),
      this.options.client.requests,
    ]);
    // A rate over the last few minutes.
    while (this.requestSamples.length > 10) this.requestSamples.shift();
    for (const kind of this.byKind.keys()) {
      for (const object of this.cache.list(kind)) this.evaluate(kind, object);
    }
    this.tracker.tick();
  }

  private async runPeriodic(detector: AiSreDetector): Promise<void> {
    const context = this.context();
    context.settings = this.options.settings(detector);
    try {
      const findings = await detector.evaluatePeriodic!(context);
      this.tracker.report(detector, `${detector.id}|periodic`, findings);
    } catch (error) {
      this.stats.detectorErrors++;
      this.options.logger.warn(`Periodic detector ${detector.id} failed`, {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  private context(): DetectorContext {
    const cache = this.cache;
    return {
      cluster: this.options.cluster,
      now: () => this.options.clock.now(),
      settings: {},
      get: (kind, namespace, name) => cache.get(kind, namespace, name),
      list: (kind, namespace) => cache.list(kind, namespace),
      eventsFor: object => cache.eventsFor(object),
      ownerChain: object => cache.ownerChain(object),
      podsOf: workload => cache.podsOf(workload),
      metrics: this.options.metrics,
      baseline: this.baselines,
    };
  }

  /** Owner chain, workload and labels of a finding's object. */
  place(ref: ObjectRef): FindingPlacement {
    const object = ref.uid
      ? this.cache.getByUid(ref.uid) ??
        this.cache.get(ref.kind, ref.namespace, ref.name)
      : this.cache.get(ref.kind, ref.namespace, ref.name);
    if (!object) {
      return { ownerChain: [], workload: ref, labels: {} };
    }
    const ownerChain = this.cache.ownerChain(object);
    const workloadRef = ownerChain.length
      ? ownerChain[ownerChain.length - 1]
      : refOf(object);
    const workload =
      this.cache.get(
        workloadRef.kind,
        workloadRef.namespace,
        workloadRef.name,
      ) ?? object;
    const labels = {
      ...(workload.spec?.template?.metadata?.labels ?? {}),
      ...(workload.metadata?.labels ?? {}),
      ...(object.metadata?.labels ?? {}),
    };
    return { ownerChain, workload: workloadRef, labels };
  }

  /** Fetches, bounds and redacts the logs a new signal asks for. */
  private captureLogs(event: SignalEvent): void {
    const entry = this.tracker.lookup(event.signal.fingerprint);
    const requests = entry?.finding.logs ?? [];
    if (!requests.length) return;
    const limits = this.options.logCapture ?? {
      tailLines: 50,
      limitBytes: 16_384,
    };
    void (async () => {
      const logs: EvidenceLog[] = [];
      for (const request of requests) {
        let secrets: string[] = [];
        try {
          secrets =
            (await this.options.knownSecrets?.(request.namespace)) ?? [];
        } catch (error) {
          this.options.logger.warn(
            `Could not read the Secrets of ${request.namespace} for redaction`,
            { error: error instanceof Error ? error.message : String(error) },
          );
        }
        for (const previous of request.previous ? [true, false] : [false]) {
          try {
            const text = await this.options.client.readLog({
              ...request,
              previous,
              tailLines: limits.tailLines,
              limitBytes: limits.limitBytes,
            });
            const lines = String(text ?? '')
              .split('\n')
              .filter(line => line.length > 0);
            logs.push({
              pod: request.pod,
              container: request.container,
              previous,
              lines: lines
                .slice(-limits.tailLines)
                .map(line => redactText(line, secrets)),
              truncated:
                lines.length > limits.tailLines ||
                String(text ?? '').length >= limits.limitBytes,
            });
          } catch {
            // No previous instance (or the pod is gone): nothing to capture.
          }
        }
      }
      if (logs.length) this.tracker.attachLogs(event.signal.fingerprint, logs);
    })();
  }

  /** For tests and the API: a signal's object as `Kind/ns/name`. */
  static describe(ref: ObjectRef): string {
    return formatObjectRef(ref);
  }
}
