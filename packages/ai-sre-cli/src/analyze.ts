/**
 * One analysis of what was read (listed from a cluster or loaded from a
 * snapshot), through the backend's own pieces:
 *
 * - telemetry: a `ClusterMonitor` that is never started (no informers, no
 *   watch); its `ObjectCache` is filled with the objects, trimmed as the
 *   informers trim them, and `evaluateAll()` runs every detector over every
 *   cached object once (and the periodic detectors, which without a metric
 *   source find nothing). Its `SignalTracker` turns findings into signals:
 *   the clock is then moved past the longest debounce, so every problem
 *   seen now is a signal (there is no second look to confirm it). Signals
 *   that ask for logs get them as the backend captures them: the previous
 *   and current logs of the failing containers (live mode only);
 * - changes: Deployment revisions replayed from their ReplicaSets
 *   (`history.ts`);
 * - reasoning: the backend's `IncidentEngine` on an in-memory database
 *   (`createStandaloneEngine`), evaluated once: grouping, incident or
 *   noise, ranked root causes, the fix plan and the policy's decision.
 *   Nothing is executed (no executor).
 */
import { KubeConfig } from '@kubernetes/client-node';
import {
  formatObjectRef,
  KUBERNETES_ID_ANNOTATION,
  ObjectRef,
  Signal,
} from '@internal/plugin-ai-sre-common';
import type { AiSreClock, WatchedKind } from '@internal/plugin-ai-sre-node';
import {
  builtInDetectors,
  ClusterMonitor,
  createStandaloneEngine,
  DependencyLink,
  Hypothesis,
  inferDependencies,
  PlanStep,
  ReasoningContext,
  trimObject,
} from './backend';
import { revisionChanges } from './history';
import { TrackingKubeClient } from './live';
import type { AnalysisReport, FindingReport, IncidentDetail } from './report';
import { isWatchedKind, RawObject } from './snapshot';

export interface AnalyzeOptions {
  /** The objects read, with their kinds (other kinds are ignored). */
  objects: RawObject[];
  /** The time to judge the cluster at (epoch ms). */
  now: number;
  /** Only this namespace (and the nodes its pods run on). */
  namespace?: string;
  /** Names the cluster in signals (a context name, or `snapshot`). */
  cluster?: string;
  /** Live mode: the client the failing containers' logs are read with. */
  client?: TrackingKubeClient;
  progress?(line: string): void;
  warn?(line: string): void;
}

const SEVERITY_RANK: Record<string, number> = {
  critical: 0,
  high: 1,
  medium: 2,
  low: 3,
  info: 4,
};

const CHANGES_WINDOW_MS = 6 * 3600_000;
const MAX_CHANGES = 2000;

/** Kinds whose name names a component when no label does. */
const WORKLOAD_KINDS = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'CronJob',
  'Job',
  'ReplicaSet',
  'Pod',
]);

const refText = (ref: ObjectRef) => formatObjectRef({ ...ref, uid: undefined });

const time = (value: unknown) => {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
};

/** A clock that stands still until moved: one look, nothing waits. */
class StillClock implements AiSreClock {
  constructor(private at: number) {}
  now() {
    return this.at;
  }
  set(at: number) {
    this.at = at;
  }
  setTimeout() {
    return { cancel() {} };
  }
}

/**
 * The component an object belongs to, with no catalog: its
 * `backstage.io/kubernetes-id` label (on the object, its workload or pod
 * template), else the name of its workload.
 */
export function componentOf(
  labels: Record<string, string>,
  workload: ObjectRef,
): string | undefined {
  const id = labels[KUBERNETES_ID_ANNOTATION];
  if (id) return `component:default/${id}`;
  if (WORKLOAD_KINDS.has(workload.kind)) {
    return `component:default/${workload.name}`;
  }
  return undefined;
}

/**
 * When a problem began, as the evidence tells: the signal's own start (the
 * detector's `since`, else now) or its earliest cited Warning event,
 * whichever comes first. Live, telemetry sees the start; in one look it is read back.
 */
function onsetOf(signal: Signal): string {
  let first = Date.parse(signal.firstSeen);
  for (const event of signal.evidence.events) {
    // Warnings are symptoms; normal events (a scale-up) are not.
    if (event.type !== 'Warning') continue;
    const at = time(event.firstTimestamp) ?? time(event.lastTimestamp);
    if (at !== undefined && at < first) first = at;
  }
  return new Date(first).toISOString();
}

function inNamespace(object: RawObject, namespace?: string): boolean {
  if (!namespace) return true;
  const ns = object.metadata?.namespace;
  // Cluster-scoped objects (nodes) stay: pods of the namespace run on them.
  return !ns || ns === namespace;
}

/** The kinds telemetry reads: what `ClusterMonitor` would watch. */
export function telemetryKinds(): WatchedKind[] {
  return new ClusterMonitor({
    cluster: 'kinds',
    client: new TrackingKubeClient(new KubeConfig(), { logs: false }),
    clock: new StillClock(0),
    detectors: builtInDetectors,
    settings: () => ({}),
    emit: () => {},
    logger: { info() {}, warn() {}, error() {} },
  }).kinds();
}

export interface AnalysisResult {
  report: AnalysisReport;
  /** Objects analysed, by kind, and how many of them are namespaced. */
  counts: Record<string, number> & { namespaced: number };
}

/** Runs every detector and the reasoning workflow once over the objects. */
export async function analyze(
  options: AnalyzeOptions,
): Promise<AnalysisResult> {
  const progress = options.progress ?? (() => {});
  const warn = options.warn ?? (() => {});
  const cluster = options.cluster ?? 'snapshot';
  const clock = new StillClock(options.now);

  const byKind = new Map<WatchedKind, RawObject[]>();
  for (const object of options.objects) {
    if (!isWatchedKind(object.kind) || !inNamespace(object, options.namespace))
      continue;
    const list = byKind.get(object.kind);
    if (list) list.push(object);
    else byKind.set(object.kind, [object]);
  }

  const signals = new Map<string, Signal>();
  const client =
    options.client ?? new TrackingKubeClient(new KubeConfig(), { logs: false });
  const monitor = new ClusterMonitor({
    cluster,
    client,
    clock,
    detectors: builtInDetectors,
    settings: detector => ({ ...detector.defaults }),
    emit: event => {
      if (event.type === 'resolved') {
        signals.delete(event.signal.fingerprint);
      } else {
        signals.set(event.signal.fingerprint, event.signal);
      }
    },
    logger: {
      info: () => {},
      warn: message => warn(message),
      error: (message, meta) =>
        warn(`${message}${meta?.error ? `: ${meta.error}` : ''}`),
    },
  });

  // The cache, as the informers' first lists fill it.
  const counts: AnalysisResult['counts'] = {
    namespaced: [...byKind.values()].flat().filter(o => o.metadata?.namespace)
      .length,
  };
  for (const [kind, objects] of byKind) {
    monitor.cache.replace(
      kind,
      objects.map(object => trimObject(kind, object)),
    );
    counts[kind] = objects.length;
  }
  // The changes the backend reasons with: the last 6 hours, newest 2000
  // (ReasoningService's window).
  const changes = revisionChanges(monitor.cache, cluster)
    .filter(c => Date.parse(c.at) >= options.now - CHANGES_WINDOW_MS)
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at))
    .slice(0, MAX_CHANGES);

  // Every detector once, at `now`; then past every debounce.
  const total = [...byKind.values()].reduce((n, list) => n + list.length, 0);
  progress(
    `Running ${builtInDetectors.length} detectors over ${total} objects...`,
  );
  await monitor.evaluateAll();
  const debounce = Math.max(...builtInDetectors.map(d => d.debounceSeconds));
  clock.set(options.now + (debounce + 1) * 1000);
  monitor.tracker.tick();
  clock.set(options.now);
  if (options.client) {
    await client.drain();
    if (client.logReads) {
      progress(`Read ${client.logReads} logs of failing containers`);
    }
  }

  // Entities, with no catalog: components named by label or workload.
  const entitiesOf = (ref: ObjectRef): string[] => {
    let placed = monitor.place(ref);
    if (ref.kind === 'HorizontalPodAutoscaler') {
      // An autoscaler's problem is its target's.
      const target = monitor.cache.get(ref.kind, ref.namespace, ref.name)?.spec
        ?.scaleTargetRef;
      if (target?.kind && target?.name) {
        placed = monitor.place({
          kind: target.kind,
          namespace: ref.namespace,
          name: target.name,
        });
      }
    }
    const entity = componentOf(placed.labels, placed.workload);
    return entity ? [entity] : [];
  };
  const nodesOfNamespace = new Set(
    monitor.cache
      .list('Pod', options.namespace)
      .map(pod => pod.spec?.nodeName)
      .filter(Boolean),
  );
  const active = [...signals.values()]
    .filter(
      s =>
        !options.namespace ||
        s.object.namespace === options.namespace ||
        (s.object.kind === 'Node' && nodesOfNamespace.has(s.object.name)),
    )
    .map(s => ({
      ...s,
      firstSeen: onsetOf(s),
      entityRefs: entitiesOf(s.object),
    }));
  for (const change of changes) change.entityRefs = entitiesOf(change.object);
  const dependencies: DependencyLink[] = inferDependencies(monitor.cache).map(
    edge => ({
      cluster,
      from: edge.from,
      to: edge.to,
      fromEntityRefs: entitiesOf(edge.from),
      toEntityRefs: [...new Set(edge.to.flatMap(entitiesOf))],
      evidence: edge.evidence,
    }),
  );
  const entityRefs = new Set([
    ...active.flatMap(s => s.entityRefs),
    ...changes.flatMap(c => c.entityRefs),
    ...dependencies.flatMap(d => [...d.fromEntityRefs, ...d.toEntityRefs]),
  ]);
  const context: ReasoningContext = {
    now: options.now,
    changes,
    dependencies,
    entities: Object.fromEntries(
      [...entityRefs].map(ref => [
        ref,
        { ownerRef: null, lifecycle: null, dependsOn: [] },
      ]),
    ),
  };

  const findings: FindingReport[] = active
    .map(s => ({
      object: refText(s.object),
      detector: s.detector,
      severity: s.severity,
      message: s.message,
    }))
    .sort(
      (a, b) =>
        (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9) ||
        a.object.localeCompare(b.object) ||
        a.detector.localeCompare(b.detector) ||
        a.message.localeCompare(b.message),
    );

  const incidents = active.length
    ? await reason(cluster, options.now, active, context, progress)
    : [];
  return {
    report: {
      version: 1,
      analyzedAt: new Date(options.now).toISOString(),
      findings,
      incidents,
    },
    counts,
  };
}

/** The incident engine once over the signals; its incidents as reported. */
async function reason(
  cluster: string,
  now: number,
  signals: Signal[],
  context: ReasoningContext,
  progress: (line: string) => void,
): Promise<IncidentDetail[]> {
  progress(`Reasoning over ${signals.length} findings...`);
  const byFingerprint = new Map(signals.map(s => [s.fingerprint, s]));
  let opened = 0;
  const standalone = await createStandaloneEngine({
    clock: { now: () => now },
    onIncidentChanged: (_id, change) => {
      if (change === 'opened' && ++opened % 10 === 0) {
        progress(`  ${opened} incidents so far...`);
      }
    },
  });
  try {
    await standalone.engine.evaluate(cluster, signals, context);
    const incidents: Array<IncidentDetail & { rank: number }> = [];
    for (let cursor: string | undefined, first = true; first || cursor; ) {
      first = false;
      const page = await standalone.incidents.list({ limit: 200, cursor });
      for (const incident of page.items) {
        const work = await standalone.incidents.getWork(incident.id);
        if (!work) continue;
        const analysis = work.analysis as {
          hypotheses?: Hypothesis[];
          plan?: PlanStep[];
          decision?: { decision: string };
        };
        const hypotheses = analysis.hypotheses ?? [];
        const plan = analysis.plan ?? [];
        const entity = hypotheses[0]?.entityRef ?? incident.entityRef ?? null;
        const impacted = [
          ...new Set([
            ...(incident.entityRef ? [incident.entityRef] : []),
            ...incident.impactedEntityRefs,
          ]),
        ].filter(ref => ref !== entity);
        incidents.push({
          rank: SEVERITY_RANK[incident.severity] ?? 9,
          title: incident.title,
          severity: incident.severity,
          entity,
          impacted,
          openedAt: incident.startedAt,
          rootCause: hypotheses.map(h => ({
            category: h.category,
            object: h.object ? refText(h.object) : null,
            confidence: h.confidence,
            summary: h.summary,
            evidence: h.evidence.facts,
          })),
          plan: plan.map(step => step.action),
          steps: plan.map(step => ({
            action: step.action,
            target: step.target ? refText(step.target) : null,
            params: step.params,
            risk: step.risk,
            expectedEffect: step.expectedEffect,
          })),
          decision: analysis.decision?.decision ?? 'ask-human',
          findings: work.fingerprints.flatMap(fingerprint => {
            const signal = byFingerprint.get(fingerprint);
            return signal
              ? [{ object: refText(signal.object), detector: signal.detector }]
              : [];
          }),
        });
      }
      cursor = page.nextCursor;
    }
    return incidents
      .sort(
        (a, b) =>
          a.rank - b.rank ||
          a.openedAt.localeCompare(b.openedAt) ||
          a.title.localeCompare(b.title),
      )
      .map(({ rank: _rank, ...incident }) => incident);
  } finally {
    await standalone.close();
  }
}
