/**
 * Runs one scenario through the real pipeline on a fresh sandbox: the
 * telemetry (informers, built-in detectors, metrics scraped from the
 * sandbox) on the sandbox's virtual clock, entity resolution over a
 * catalog derived from the scenario's `backstage.io/kubernetes-id` labels,
 * then the incident engine the backend runs: the LangGraph workflow
 * (detection, root cause, fix plan, policy with its default configuration,
 * execution decision), one checkpointed thread per incident, on an
 * in-memory SQLite database. Plans are not executed: there is no execution
 * layer yet, and the default policy asks a human.
 *
 * The scenario's `expect` block is ground truth for the scorer only: it is
 * removed before anything else sees the scenario.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
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
  createStandaloneEngine,
  ExecutionStore,
  handlerFor,
  KubernetesClusterOps,
  KubernetesExecutor,
  DependencyLink,
  EntityResolver,
  Hypothesis,
  inferDependencies,
  KubeClient,
  parseExposition,
  PlanStep,
  ReasoningContext,
  ScrapeMetricSource,
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

const NO_LOGGER = { info() {}, warn() {}, error() {} };

/** The pipeline's logger as the engine expects it. */
function asLoggerService(
  logger: NonNullable<RunScenarioOptions['logger']>,
): LoggerService {
  const service: LoggerService = {
    info: (message, meta) => logger.info(message, meta as any),
    warn: (message, meta) => logger.warn(message, meta as any),
    error: (message, meta) => logger.error(message, meta as any),
    debug: () => {},
    child: () => service,
  };
  return service;
}

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

  // The backend's incident engine, with the default policy and no
  // executor, on an in-memory database.
  const standalone = await createStandaloneEngine({
    clock,
    // Plans execute through the real execution layer, against the sandbox
    // over HTTP, like any configured cluster.
    createExecutor: knex =>
      new KubernetesExecutor({
        executions: new ExecutionStore(knex),
        now: () => clock.now(),
        logger: asLoggerService(logger),
        opsFor: cluster =>
          cluster === CLUSTER
            ? new KubernetesClusterOps({
                kubeConfig,
                cluster,
                now: () => clock.now(),
                changes: async (_cluster, objectRef) =>
                  changes
                    .filter(
                      c =>
                        formatObjectRef({ ...c.object, uid: undefined }) ===
                        objectRef,
                    )
                    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at)),
              })
            : undefined,
      }),
    entityFacts: ref => {
      const info = resolver.mapped().find(e => e.ref === ref);
      return info
        ? {
            ownerRef: info.ownerRef,
            systemRef: info.systemRef,
            lifecycle: info.lifecycle,
          }
        : undefined;
    },
    logger: asLoggerService(logger),
    onIncidentChanged: (incidentId, change, detail) =>
      logger.info(`Incident ${change}`, { incident: incidentId, detail }),
  });
  // The evaluation approves each incident's first plan on a user's behalf,
  // whatever the policy decided, when its first action is allow-listed.
  const approved = new Set<string>();
  const approveFirstPlans = async () => {
    for (const work of await standalone.incidents.listByThreadState([
      'awaiting-approval',
      'done',
    ])) {
      const id = work.incident.id;
      if (approved.has(id)) continue;
      const analysis = work.analysis as {
        plan?: PlanStep[];
        execution?: unknown;
      };
      const plan = analysis.plan ?? [];
      if (!plan.length || !handlerFor(plan[0].action) || analysis.execution) {
        continue;
      }
      approved.add(id);
      const approval = {
        approved: true,
        by: 'user:default/ai-sre-eval',
        comment: 'approved by the evaluation',
      };
      if (work.threadState === 'awaiting-approval') {
        await standalone.engine.answer(id, approval);
      } else {
        // Policy chose to monitor: the evaluation executes the plan anyway.
        await standalone.engine.executeOnRequest(id, approval);
      }
      const after = await standalone.incidents.getWork(id);
      logger.info('The evaluation approved and executed a plan', {
        incident: id,
        plan: plan.map(step => step.action).join(', '),
        execution: (after?.analysis as { execution?: unknown }).execution,
      });
    }
  };

  const evaluate = async () => {
    const context: ReasoningContext = {
      now: clock.now(),
      changes: [...changes],
      dependencies: dependencies(),
      entities,
    };
    await standalone.engine.evaluate(CLUSTER, [...latest.values()], context);
    await approveFirstPlans();
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
      if (t % evaluateEvery === 0 || t + stepMs > observed.duration)
        await evaluate();
      if (observed.duration - t <= healthWindowMs && !before)
        before = { at: t, text: sandbox.cluster.nodeAgents.exposition() };
    }

    const opened = [];
    for (let cursor: string | undefined, first = true; first || cursor; ) {
      first = false;
      const page = await standalone.incidents.list({ limit: 200, cursor });
      for (const incident of page.items) {
        const work = (await standalone.incidents.getWork(incident.id))!;
        const analysis = work.analysis as {
          hypotheses?: Hypothesis[];
          plan?: PlanStep[];
          decision?: { decision: string };
        };
        opened.push({
          incident,
          openedAtMs: Date.parse(incident.openedAt) - start,
          hypotheses: analysis.hypotheses ?? [],
          plan: analysis.plan ?? [],
          decision: analysis.decision?.decision ?? 'ask-human',
        });
      }
      cursor = page.nextCursor;
    }
    opened.sort(
      (a, b) =>
        a.openedAtMs - b.openedAtMs ||
        a.incident.id.localeCompare(b.incident.id),
    );
    const origin = openedAtOrigin(
      observed.timeline[0]?.at,
      opened[0]?.openedAtMs,
    );
    const reports: IncidentReport[] = opened.map(item => {
      const top = item.hypotheses[0];
      const entity = top?.entityRef ?? item.incident.entityRef ?? null;
      return {
        entity,
        impacted: [
          ...(item.incident.entityRef ? [item.incident.entityRef] : []),
          ...item.incident.impactedEntityRefs,
        ].filter(r => r !== entity),
        openedAt: formatSeconds(item.openedAtMs - origin),
        rootCause: item.hypotheses.map(h => ({
          category: h.category,
          object: h.object
            ? formatObjectRef({ ...h.object, uid: undefined })
            : null,
          confidence: h.confidence,
        })),
        plan: item.plan.map(step => step.action),
        decision: item.decision,
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
    const health = ids.map(id =>
      entityHealth(sandbox.cluster.store, id, now, window),
    );
    const resolved = health.every(h => h.healthy);
    if (!resolved) {
      logger.info('Not healthy at the end', {
        problems: health.flatMap(
          h => (h as { problems?: string[] }).problems ?? [],
        ),
      });
    }

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
    await standalone.close();
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
