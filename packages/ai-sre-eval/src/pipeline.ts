/**
 * Runs one scenario through the real pipeline on a fresh sandbox: the
 * telemetry (informers, built-in detectors, metrics scraped from the
 * sandbox) on the sandbox's virtual clock, entity resolution over a
 * catalog derived from the scenario's `backstage.io/kubernetes-id` labels,
 * then the reasoning agents (grouping, incident triage, root-cause ranking,
 * planning) and the policy step with its default configuration. Plans
 * are not executed: there is no execution layer yet.
 *
 * The scenario's `expect` block is ground truth for the scorer only: it is
 * removed before anything else sees the scenario.
 */
import type { Entity } from '@backstage/catalog-model';
import { KubeConfig } from '@kubernetes/client-node';
import {
  Sandbox,
  Scenario,
  startSandbox,
  VirtualClock,
} from '@internal/k8s-sandbox';
import {
  Change,
  formatObjectRef,
  KUBERNETES_ID_ANNOTATION,
  Signal,
} from '@internal/plugin-ai-sre-common';
import type { AiSreClock } from '@internal/plugin-ai-sre-node';
import {
  builtInDetectors,
  ClusterMonitor,
  decide,
  defaultPolicyConfig,
  DependencyLink,
  EntityResolver,
  groupSignals,
  Hypothesis,
  inferDependencies,
  isIncident,
  KubeClient,
  parseExposition,
  planFix,
  PlanStep,
  rankRootCauses,
  ReasoningContext,
  ScrapeMetricSource,
  SignalGroup,
} from './backend';
import { ENTITY_LABEL, entityHealth, MetricWindow } from './health';
import type { IncidentReport, ScenarioReport } from './report';

const CLUSTER = 'sandbox';

export interface RunScenarioOptions {
  /** Simulated ms per clock step; default 5000. */
  stepMs?: number;
  /** Simulated ms between runs of the reasoning agents; default 15000. */
  evaluateEveryMs?: number;
  /**
   * Consecutive idle polls (about 1 ms apart) after which the telemetry is
   * taken to have caught up with a clock step; default 3.
   */
  quietPolls?: number;
  /** Where the pipeline's own warnings go; default nowhere. */
  logger?: {
    info(message: string, meta?: Record<string, unknown>): void;
    warn(message: string, meta?: Record<string, unknown>): void;
    error(message: string, meta?: Record<string, unknown>): void;
  };
}

/** The sandbox's virtual clock as the plugin's clock. */
export function clockOf(clock: VirtualClock): AiSreClock {
  return {
    now: () => clock.now(),
    setTimeout(fn, ms) {
      const handle = clock.setTimeout(fn, ms);
      return { cancel: () => clock.clear(handle) };
    },
  };
}

/** `95000` -> `95s` (whole simulated seconds). */
export function formatSeconds(ms: number): string {
  return `${Math.round(ms / 1000)}s`;
}

/**
 * The time `openedAt` counts from: the first timeline step, unless the
 * timeline is empty or the fault is present from the start (the first
 * incident opened before the first step), then the scenario start.
 */
export function openedAtOrigin(
  firstStepAtMs: number | undefined,
  firstOpenedMs: number | undefined,
): number {
  if (firstStepAtMs === undefined) return 0;
  if (firstOpenedMs !== undefined && firstOpenedMs < firstStepAtMs) return 0;
  return firstStepAtMs;
}

/** Every object a scenario creates, at start or in its timeline. */
function manifestsOf(scenario: Scenario): Array<Record<string, any>> {
  return [
    ...scenario.cluster.objects,
    ...scenario.timeline.flatMap(step =>
      step.kind === 'apply' ? [step.manifest] : [],
    ),
  ] as Array<Record<string, any>>;
}

/**
 * The catalog the evaluation derives: one Component for each distinct
 * `backstage.io/kubernetes-id` label value of the scenario's objects (and
 * their pod templates), mapped back by that annotation.
 */
export function deriveCatalog(scenario: Scenario): Entity[] {
  const ids = new Set<string>();
  for (const obj of manifestsOf(scenario)) {
    for (const labels of [
      obj.metadata?.labels,
      obj.spec?.template?.metadata?.labels,
      obj.spec?.jobTemplate?.spec?.template?.metadata?.labels,
    ]) {
      const id = labels?.[ENTITY_LABEL];
      if (typeof id === 'string' && id) ids.add(id);
    }
  }
  return [...ids].sort().map(id => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: id,
      namespace: 'default',
      annotations: { [KUBERNETES_ID_ANNOTATION]: id },
    },
    spec: { type: 'service', lifecycle: 'production', owner: 'unknown' },
  }));
}

/** Resolves once `counter` stops moving and nothing is in flight. */
async function settle(
  counter: () => number,
  busy: () => boolean,
  quietPolls: number,
): Promise<void> {
  let last = counter();
  let quiet = 0;
  const deadline = Date.now() + 10_000;
  while (quiet < quietPolls && Date.now() < deadline) {
    await new Promise(resolve => setTimeout(resolve, 1));
    const now = counter();
    if (now !== last || busy()) {
      last = now;
      quiet = 0;
    } else {
      quiet++;
    }
  }
}

interface OpenIncident {
  key: string;
  openedAtMs: number;
  signature: string;
  hypotheses: Hypothesis[];
  plan: PlanStep[];
  decision: string;
  group: SignalGroup;
}

const NO_LOGGER = { info() {}, warn() {}, error() {} };

/** Runs one scenario (fresh sandbox, virtual clock) and reports its incidents. */
export async function runScenario(
  scenario: Scenario,
  options: RunScenarioOptions = {},
): Promise<ScenarioReport> {
  const started = Date.now();
  // Ground truth is for the scorer: nothing below may read it.
  const observed: Scenario = { ...scenario, expect: undefined };
  const stepMs = options.stepMs ?? 5000;
  const evaluateEvery = options.evaluateEveryMs ?? 15_000;
  const quietPolls = options.quietPolls ?? 3;
  const logger = options.logger ?? NO_LOGGER;

  const sandbox: Sandbox = await startSandbox({
    scenario: observed,
    tls: false,
  });
  const clock = clockOf(sandbox.clock);
  const start = sandbox.clock.now();

  const catalog = deriveCatalog(observed);
  const resolver = new EntityResolver({
    fetchEntities: async () => catalog,
    now: () => clock.now(),
    refreshMs: Number.MAX_SAFE_INTEGER,
  });
  await resolver.refresh();
  const entityRefsOf = (labels: Record<string, string>, namespace?: string) =>
    resolver.resolveLoaded(labels, namespace).map(e => e.ref);
  const entities: ReasoningContext['entities'] = Object.fromEntries(
    resolver.mapped().map(e => [
      e.ref,
      {
        ownerRef: e.ownerRef,
        lifecycle: e.lifecycle,
        dependsOn: e.dependsOn,
      },
    ]),
  );

  const latest = new Map<string, Signal>();
  const changes: Change[] = [];
  let scrapesInFlight = 0;
  const metrics = new ScrapeMetricSource({
    clock,
    fetchText: async () => {
      scrapesInFlight++;
      try {
        return await (await fetch(`${sandbox.url}/metrics`)).text();
      } finally {
        scrapesInFlight--;
      }
    },
  });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(sandbox.kubeconfig);
  const monitor = new ClusterMonitor({
    metrics,
    cluster: CLUSTER,
    client: new KubeClient(kubeConfig),
    clock,
    detectors: builtInDetectors,
    settings: detector => ({ ...detector.defaults }),
    // Mapped to entities as TelemetryService does.
    emit: event => {
      const signal = event.signal;
      latest.set(signal.fingerprint, {
        ...signal,
        entityRefs: entityRefsOf(
          signal.labels,
          signal.object.namespace ?? signal.workload.namespace,
        ),
      });
    },
    emitChange: change =>
      changes.push({
        ...change,
        entityRefs: Object.keys(change.labels).length
          ? entityRefsOf(change.labels, change.object.namespace)
          : [],
      }),
    logger: {
      info: (m, meta) => logger.info(m, meta),
      warn: (m, meta) => logger.warn(m, meta),
      error: (m, meta) => logger.error(m, meta),
    },
  });

  const received = () =>
    monitor.health().informers.reduce((sum, i) => sum + i.events + i.lists, 0) +
    metrics.scrapes;
  const caughtUp = () =>
    settle(received, () => scrapesInFlight > 0, quietPolls);

  const dependencies = (): DependencyLink[] =>
    inferDependencies(monitor.cache).map(edge => {
      const entitiesOf = (ref: typeof edge.from) =>
        entityRefsOf(monitor.place(ref).labels, ref.namespace);
      return {
        cluster: CLUSTER,
        from: edge.from,
        to: edge.to,
        fromEntityRefs: entitiesOf(edge.from),
        toEntityRefs: [...new Set(edge.to.flatMap(entitiesOf))],
        evidence: edge.evidence,
      };
    });

  // The policy step with its default configuration and no history: the
  // evaluation never executes, so no attempts and no kill-switch.
  const policy = defaultPolicyConfig();
  const policyDecision = (
    hypothesis: Hypothesis,
    plan: PlanStep[],
    group: SignalGroup,
    now: number,
  ): string => {
    const ref = hypothesis.entityRef ?? group.entityRefs[0];
    const info = ref ? resolver.mapped().find(e => e.ref === ref) : undefined;
    try {
      return decide({
        plan,
        hypothesis,
        group,
        entity: ref
          ? {
              ref,
              lifecycle: info?.lifecycle ?? null,
              ownerRef: info?.ownerRef ?? null,
            }
          : null,
        history: { actionsForEntityLastHour: 0, attemptsForIncident: 0 },
        killSwitch: { global: false, entityRefs: [] },
        now,
        config: policy,
      }).decision;
    } catch (error) {
      logger.warn('The policy step failed; asking a human', {
        error: error instanceof Error ? error.message : String(error),
      });
      return 'ask-human';
    }
  };

  const incidents = new Map<string, OpenIncident>();
  const evaluate = () => {
    const now = clock.now();
    const active = [...latest.values()].filter(s => s.status === 'active');
    if (!active.length) return;
    const context: ReasoningContext = {
      now,
      changes: [...changes],
      dependencies: dependencies(),
      entities,
    };
    for (const group of groupSignals(active, context)) {
      if (!isIncident(group, now)) continue;
      const signature = group.signals
        .map(s => s.fingerprint)
        .sort()
        .join(',');
      // The same problem re-opens, never duplicates: a group whose key
      // changed (signals joined or left) is still the incident it shares
      // signals with.
      const fingerprints = new Set(group.signals.map(s => s.fingerprint));
      const previousKey = incidents.has(group.key)
        ? group.key
        : [...incidents.values()].find(incident =>
            incident.group.signals.some(s => fingerprints.has(s.fingerprint)),
          )?.key;
      const open = previousKey ? incidents.get(previousKey) : undefined;
      if (open && open.signature === signature) continue;
      if (previousKey && previousKey !== group.key)
        incidents.delete(previousKey);
      const hypotheses = rankRootCauses(group, context);
      const plan = hypotheses[0] ? planFix(hypotheses[0], group, context) : [];
      const decision = hypotheses[0]
        ? policyDecision(hypotheses[0], plan, group, now)
        : 'ask-human';
      incidents.set(group.key, {
        key: group.key,
        openedAtMs: open?.openedAtMs ?? now - start,
        signature,
        hypotheses,
        plan,
        decision,
        group,
      });
    }
  };

  // Two scrapes of the kubelets' metrics a minute apart, for the health check.
  let before: { at: number; text: string } | undefined;
  const healthWindowMs = 60_000;

  try {
    monitor.start();
    metrics.start();
    await caughtUp();
    for (let t = stepMs; t <= observed.duration; t += stepMs) {
      await sandbox.advance(stepMs);
      await caughtUp();
      if (t % evaluateEvery === 0 || t + stepMs > observed.duration) evaluate();
      if (observed.duration - t <= healthWindowMs && !before)
        before = { at: t, text: sandbox.cluster.nodeAgents.exposition() };
    }

    const opened = [...incidents.values()].sort(
      (a, b) => a.openedAtMs - b.openedAtMs || a.key.localeCompare(b.key),
    );
    const origin = openedAtOrigin(
      observed.timeline[0]?.at,
      opened[0]?.openedAtMs,
    );
    const reports: IncidentReport[] = opened.map(incident => {
      const top = incident.hypotheses[0];
      const entity = top?.entityRef ?? incident.group.entityRefs[0] ?? null;
      return {
        entity,
        impacted: incident.group.entityRefs.filter(r => r !== entity),
        openedAt: formatSeconds(incident.openedAtMs - origin),
        rootCause: incident.hypotheses.map(h => ({
          category: h.category,
          object: h.object
            ? formatObjectRef({ ...h.object, uid: undefined })
            : null,
          confidence: h.confidence,
        })),
        plan: incident.plan.map(step => step.action),
        decision: incident.decision,
      };
    });

    // Healthy at the end: the first incident's entity, or every entity
    // when no incident was opened (or it names none).
    const window: MetricWindow | undefined = before && {
      before: parseExposition(before.text),
      after: parseExposition(sandbox.cluster.nodeAgents.exposition()),
    };
    const idOf = (ref: string) =>
      resolver.mapped().find(e => e.ref === ref)?.annotations[
        KUBERNETES_ID_ANNOTATION
      ];
    const first = reports[0]?.entity ? idOf(reports[0].entity) : undefined;
    const ids = first
      ? [first]
      : catalog.map(e => e.metadata.annotations![KUBERNETES_ID_ANNOTATION]);
    const now = sandbox.clock.now();
    const resolved = ids.every(
      id => entityHealth(sandbox.cluster.store, id, now, window).healthy,
    );

    return {
      id: scenario.id,
      incidents: reports,
      resolved,
      wallMs: Date.now() - started,
      error: null,
    };
  } finally {
    monitor.stop();
    metrics.stop();
    await sandbox.stop();
  }
}

/** Like {@link runScenario}, but a failure becomes the report's `error`. */
export async function runScenarioSafely(
  scenario: Scenario,
  options: RunScenarioOptions = {},
): Promise<ScenarioReport> {
  const started = Date.now();
  try {
    return await runScenario(scenario, options);
  } catch (error) {
    return failedReport(scenario.id, error, Date.now() - started);
  }
}

/** The report of a scenario that could not be loaded or run. */
export function failedReport(
  id: string,
  error: unknown,
  wallMs = 0,
): ScenarioReport {
  return {
    id,
    incidents: [],
    resolved: false,
    wallMs,
    error: error instanceof Error ? error.message : String(error),
  };
}
