/**
 * Runs the incident workflow over what telemetry observed: groups the
 * active signals of a cluster, matches each group to the incident it
 * belongs to (re-opening rather than duplicating), runs one LangGraph
 * thread per incident (thread id = incident id), persists incidents, their
 * analysis and the agent trace, resolves incidents whose signals are gone,
 * and resumes every unfinished thread after a restart.
 */
import type { BaseCheckpointSaver } from '@langchain/langgraph';
import { Command } from '@langchain/langgraph';
import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  IncidentSeverity,
  RootCauseCategory,
  Signal,
  SignalSeverity,
} from '@internal/plugin-ai-sre-common';
import { createHash } from 'node:crypto';
import type { PolicyConfig } from '../policy';
import {
  ACTIVE_INCIDENT_STATUSES,
  IncidentStore,
  IncidentWork,
} from '../store/IncidentStore';
import { groupSignals } from './grouping';
import type { IncidentEnricher } from './model/types';
import type { PlanStep, ReasoningContext, SignalGroup } from './types';
import {
  ApprovalAnswer,
  buildIncidentWorkflow,
  Executor,
  IncidentStateValue,
  threadConfig,
  TraceEntry,
  WorkflowDependencies,
} from './workflow';

/** Catalog facts about an entity the incident row carries. */
export interface EntityFacts {
  ownerRef: string | null;
  systemRef: string | null;
  lifecycle: string | null;
}

export interface IncidentEngineOptions {
  incidents: IncidentStore;
  checkpointer: BaseCheckpointSaver;
  policy: PolicyConfig;
  clock: { now(): number };
  logger: LoggerService;
  executor?: Executor;
  enricher?: IncidentEnricher;
  /** Owner, system and lifecycle of an entity, from the catalog. */
  entityFacts?(
    entityRef: string,
  ): EntityFacts | undefined | Promise<EntityFacts | undefined>;
  /** Kill-switches and history for the policy step. */
  runtime?: WorkflowDependencies['runtime'];
  /** A closed incident whose problem recurs within this time re-opens; default 30 min. */
  reopenWithinMs?: number;
  /** An incident resolves this long after its last active signal; default 2 min. */
  resolveAfterMs?: number;
  /** Called after an incident was opened, re-analysed, re-opened or resolved. */
  onIncidentChanged?(
    incidentId: string,
    change: IncidentChange,
    detail?: string,
  ): void;
  /** Approval expiry and escalation (from `aiSre.policy.approval`). */
  approval?: { expiresAfterMs: number; escalateAfterMs?: number };
  /** How long an execution has to meet its post-conditions; default 5 min. */
  verifyWithinMs?: number;
}

export type IncidentChange =
  | 'opened'
  | 'updated'
  | 'reopened'
  | 'awaiting-approval'
  | 'resolved'
  | 'executed'
  | 'escalated'
  | 'expired'
  | 'verified'
  | 'verification-failed';

const SEVERITY_RANK: Record<SignalSeverity, number> = {
  critical: 0,
  high: 1,
  medium: 2,
  low: 3,
  info: 4,
} as Record<SignalSeverity, number>;

const INCIDENT_SEVERITY: IncidentSeverity[] = [
  'critical',
  'high',
  'medium',
  'low',
  'low',
];

/** The incident severity of a group: its most severe signal's. */
export function severityOf(signals: Signal[]): IncidentSeverity {
  const rank = Math.min(
    ...signals.map(s => SEVERITY_RANK[s.severity] ?? SEVERITY_RANK.low),
  );
  return INCIDENT_SEVERITY[Number.isFinite(rank) ? rank : 3];
}

/**
 * The id a new group's incident gets: the same group (same key, same first
 * symptom) always gets the same id, so a crash before the incident row was
 * written re-runs the same thread instead of starting a second one.
 */
export function candidateIncidentId(cluster: string, group: SignalGroup) {
  const hash = createHash('sha256')
    .update(`${cluster}\n${group.key}\n${group.startedAt}`)
    .digest('hex');
  return `inc-${hash.slice(0, 24)}`;
}

function titleOf(group: SignalGroup): string {
  const first = [...group.signals].sort(
    (a, b) =>
      (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9) ||
      a.firstSeen.localeCompare(b.firstSeen),
  )[0];
  const workload = first.workload;
  const where = workload.namespace
    ? `${workload.kind}/${workload.namespace}/${workload.name}`
    : `${workload.kind}/${workload.name}`;
  const others = group.signals.length - 1;
  return `${first.reason} on ${where}${
    others > 0 ? ` (+${others} related signal${others > 1 ? 's' : ''})` : ''
  }`;
}

function fingerprintsOf(group: SignalGroup): string[] {
  return [...new Set(group.signals.map(s => s.fingerprint))].sort();
}

interface Analysis {
  outcome?: string;
  reason?: string;
  hypotheses: IncidentStateValue['hypotheses'];
  modelHypotheses: IncidentStateValue['modelHypotheses'];
  summary?: string;
  plan: IncidentStateValue['plan'];
  decision?: IncidentStateValue['decision'];
  approval?: IncidentStateValue['approval'];
  execution?: IncidentStateValue['execution'];
  /** When the current approval request was made (epoch ms). */
  awaitingSince?: number;
  escalatedAt?: number;
  /** When the plan was executed (epoch ms). */
  executedAt?: number;
  verification?: {
    status: 'passed' | 'failed';
    at: number;
    reason: string;
    rolledBack?: boolean;
  };
}

function analysisOf(state: IncidentStateValue): Analysis {
  return {
    outcome: state.outcome,
    reason: state.reason,
    hypotheses: state.hypotheses,
    modelHypotheses: state.modelHypotheses,
    summary: state.summary,
    plan: state.plan,
    decision: state.decision,
    approval: state.approval,
    execution: state.execution,
  };
}

/**
 * The part of the cluster's context one group's reasoning can use: changes
 * in its namespaces (and cluster-scoped ones such as node conditions) or of
 * entities it involves, the dependency edges touching it, and the catalog
 * facts of those entities. Every checkpoint of the incident's thread stores
 * its context, so a whole cluster's worth per incident would dominate the
 * workflow's cost.
 */
export function contextFor(
  group: SignalGroup,
  context: ReasoningContext,
): ReasoningContext {
  const namespaces = new Set<string>();
  for (const signal of group.signals) {
    if (signal.object.namespace) namespaces.add(signal.object.namespace);
    if (signal.workload.namespace) namespaces.add(signal.workload.namespace);
  }
  // A cluster-scoped problem (a node) can touch any namespace.
  if (namespaces.size === 0) return context;
  const entities = new Set(group.entityRefs);
  const dependencies = context.dependencies.filter(
    d =>
      d.fromEntityRefs.some(e => entities.has(e)) ||
      d.toEntityRefs.some(e => entities.has(e)) ||
      (d.from.namespace !== undefined && namespaces.has(d.from.namespace)) ||
      d.to.some(t => t.namespace !== undefined && namespaces.has(t.namespace)),
  );
  for (const d of dependencies) {
    for (const e of [...d.fromEntityRefs, ...d.toEntityRefs]) entities.add(e);
    for (const t of [d.from, ...d.to]) {
      if (t.namespace) namespaces.add(t.namespace);
    }
  }
  for (const ref of [...entities]) {
    for (const dep of context.entities[ref]?.dependsOn ?? []) entities.add(dep);
  }
  return {
    now: context.now,
    changes: context.changes.filter(
      c =>
        !c.object.namespace ||
        namespaces.has(c.object.namespace) ||
        c.entityRefs.some(e => entities.has(e)),
    ),
    dependencies,
    entities: Object.fromEntries(
      Object.entries(context.entities).filter(([ref]) => entities.has(ref)),
    ),
  };
}

/** Pending interrupts in a result of `invoke`. */
function interrupted(result: unknown): boolean {
  const pending = (result as { __interrupt__?: unknown[] } | undefined)
    ?.__interrupt__;
  return Array.isArray(pending) && pending.length > 0;
}

export class IncidentEngine {
  private readonly workflow: ReturnType<typeof buildIncidentWorkflow>;
  private readonly reopenWithinMs: number;
  private readonly resolveAfterMs: number;
  private traceChain: Promise<void> = Promise.resolve();
  /** One evaluation or resume at a time per engine. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: IncidentEngineOptions) {
    this.reopenWithinMs = options.reopenWithinMs ?? 30 * 60_000;
    this.resolveAfterMs = options.resolveAfterMs ?? 2 * 60_000;
    this.workflow = buildIncidentWorkflow(
      {
        policy: options.policy,
        now: () => options.clock.now(),
        executor: options.executor,
        enricher: options.enricher,
        runtime: options.runtime,
        trace: (incidentId, entry) => this.trace(incidentId, entry),
        sink: {
          opened: state => this.opened(state),
          analysed: state => this.analysed(state),
          executed: state => this.executed(state),
        },
      },
      options.checkpointer,
    );
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Reasons about the active signals of one cluster: opens, updates,
   * re-opens and resolves its incidents.
   */
  evaluate(
    cluster: string,
    signals: Signal[],
    context: ReasoningContext,
  ): Promise<void> {
    return this.serial(() => this.evaluateNow(cluster, signals, context));
  }

  private async evaluateNow(
    cluster: string,
    signals: Signal[],
    context: ReasoningContext,
  ): Promise<void> {
    const { incidents, logger } = this.options;
    const now = this.options.clock.now();
    const active = signals.filter(
      s => s.status === 'active' && s.cluster === cluster,
    );
    const known = await incidents.listForReasoning(
      cluster,
      now - this.reopenWithinMs,
    );
    const matched = new Set<string>();

    for (const group of active.length ? groupSignals(active, context) : []) {
      const fingerprints = fingerprintsOf(group);
      const existing =
        known.find(
          w => w.groupKey === group.key && !matched.has(w.incident.id),
        ) ??
        known.find(
          w =>
            !matched.has(w.incident.id) &&
            w.fingerprints.some(f => fingerprints.includes(f)),
        );
      try {
        if (existing) {
          matched.add(existing.incident.id);
          // Incidents whose problems turned out to be this one (nodes of a
          // pool failing one after another) merge into it.
          const merged = known.filter(
            w =>
              w !== existing &&
              !matched.has(w.incident.id) &&
              ACTIVE_INCIDENT_STATUSES.includes(w.incident.status) &&
              w.fingerprints.some(f => fingerprints.includes(f)),
          );
          for (const other of merged) {
            matched.add(other.incident.id);
            await this.merge(other, existing, now);
          }
          await this.follow(
            {
              ...existing,
              fingerprints: merged.length
                ? [
                    ...new Set([
                      ...existing.fingerprints,
                      ...merged.flatMap(m => m.fingerprints),
                    ]),
                  ].sort()
                : existing.fingerprints,
            },
            group,
            fingerprints,
            context,
            now,
          );
        } else {
          await this.triage(cluster, group, context);
        }
      } catch (error) {
        logger.error('The incident workflow failed for a signal group', {
          group: group.key,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }

    const activeFingerprints = new Set(active.map(s => s.fingerprint));
    await this.maintain(known, active, now);

    // Incidents none of whose signals are active any more resolve after a
    // quiet period.
    for (const work of known) {
      if (matched.has(work.incident.id)) continue;
      if (!ACTIVE_INCIDENT_STATUSES.includes(work.incident.status)) continue;
      if (work.fingerprints.some(f => activeFingerprints.has(f))) continue;
      const quietSince =
        work.lastSignalAt ?? Date.parse(work.incident.openedAt);
      if (now - quietSince < this.resolveAfterMs) continue;
      await incidents.update(
        work.incident.id,
        { status: 'resolved', resolvedAt: new Date(now) },
        new Date(now),
      );
      this.options.onIncidentChanged?.(work.incident.id, 'resolved');
    }
    await this.tracesWritten();
  }

  /** Closes an incident as part of another, keeping its history. */
  private async merge(
    from: IncidentWork,
    into: IncidentWork,
    now: number,
  ): Promise<void> {
    const { incidents } = this.options;
    const id = from.incident.id;
    // A plan waiting for approval on the merged incident is not answered:
    // the surviving incident's analysis covers the whole problem.
    await incidents.claimThreadState(
      id,
      'awaiting-approval',
      'done',
      new Date(now),
    );
    await incidents.update(
      id,
      {
        status: 'resolved',
        resolvedAt: new Date(now),
        summary:
          `Merged into incident ${into.incident.id}: the same problem. ${from.incident.summary}`.trim(),
      },
      new Date(now),
    );
    await incidents.update(
      into.incident.id,
      {
        fingerprints: [
          ...new Set([...into.fingerprints, ...from.fingerprints]),
        ].sort(),
        impactedEntityRefs: [
          ...new Set([
            ...into.incident.impactedEntityRefs,
            ...(from.incident.entityRef ? [from.incident.entityRef] : []),
            ...from.incident.impactedEntityRefs,
          ]),
        ],
      },
      new Date(now),
    );
    this.options.onIncidentChanged?.(
      id,
      'resolved',
      `Merged into incident ${into.incident.id}`,
    );
  }

  /** A group no incident knows yet: the workflow decides incident or noise. */
  private async triage(
    cluster: string,
    group: SignalGroup,
    context: ReasoningContext,
  ): Promise<void> {
    const incidentId = candidateIncidentId(cluster, group);
    let result;
    try {
      result = await this.workflow.invoke(
        { incidentId, group, context: contextFor(group, context) },
        threadConfig(incidentId),
      );
    } catch (error) {
      // Keep the trace of what ran when the incident exists (its thread
      // resumes after a restart); a failed triage of noise leaves none.
      if (await this.options.incidents.get(incidentId)) {
        this.flushTraces(incidentId);
      } else {
        this.discardTraces(incidentId);
      }
      throw error;
    }
    if (result.outcome !== 'incident') {
      // Noise or suppressed: signals stay recorded, no incident, no thread.
      await this.options.checkpointer.deleteThread(incidentId);
      this.discardTraces(incidentId);
      return;
    }
    await this.settled(incidentId, result);
  }

  /** A group that belongs to a known incident. */
  private async follow(
    work: IncidentWork,
    group: SignalGroup,
    fingerprints: string[],
    context: ReasoningContext,
    now: number,
  ): Promise<void> {
    const { incidents } = this.options;
    const id = work.incident.id;
    const closed = !ACTIVE_INCIDENT_STATUSES.includes(work.incident.status);
    if (work.incident.status === 'false-positive') {
      // A person said this is not a problem: keep it closed, do not duplicate.
      await incidents.update(
        id,
        { lastSignalAt: new Date(now), fingerprints },
        new Date(now),
      );
      return;
    }
    // Fingerprints accumulate: a signal that comes back is the same problem.
    const grew = fingerprints.some(f => !work.fingerprints.includes(f));
    const all = grew
      ? [...new Set([...work.fingerprints, ...fingerprints])].sort()
      : work.fingerprints;
    await incidents.update(
      id,
      {
        lastSignalAt: new Date(now),
        ...(closed
          ? { status: 'open', resolvedAt: null, threadState: 'running' }
          : {}),
        ...(grew || closed
          ? {
              fingerprints: all,
              groupKey: group.key,
              severity: severityOf(group.signals),
            }
          : {}),
      },
      new Date(now),
    );
    if (closed) this.options.onIncidentChanged?.(id, 'reopened');
    // New evidence (a signal not seen before) or a recurrence: analyse
    // again. A pending approval is superseded by the new plan; a thread
    // still running (another replica, or a resume) is left alone.
    if ((grew || closed) && (closed || work.threadState !== 'running')) {
      try {
        const result = await this.workflow.invoke(
          { incidentId: id, group, context: contextFor(group, context) },
          threadConfig(id),
        );
        await this.settled(id, result);
      } finally {
        this.flushTraces(id);
      }
    }
  }

  /**
   * Time-driven duties on known incidents: pending approvals escalate and
   * expire; executed plans are verified (post-conditions met and none of
   * the incident's signals active) within the verification window, and
   * rolled back automatically when they are not.
   */
  private async maintain(
    known: IncidentWork[],
    active: Signal[],
    now: number,
  ): Promise<void> {
    const { incidents, executor, logger } = this.options;
    const approval = this.options.approval;
    for (const listed of known) {
      const id = listed.incident.id;
      const work = (await incidents.getWork(id)) ?? listed;
      const analysis = work.analysis as unknown as Analysis;
      try {
        if (work.threadState === 'awaiting-approval' && approval) {
          const since =
            analysis.awaitingSince ?? Date.parse(work.incident.updatedAt);
          if (now - since >= approval.expiresAfterMs) {
            const claimed = await incidents.claimThreadState(
              id,
              'awaiting-approval',
              'running',
              new Date(now),
            );
            if (claimed) {
              const minutes = Math.round(approval.expiresAfterMs / 60_000);
              const result = await this.workflow.invoke(
                new Command({
                  resume: {
                    approved: false,
                    by: 'ai-sre:expiry',
                    comment: `The approval expired after ${minutes} minutes without an answer`,
                  },
                }),
                threadConfig(id),
              );
              await this.settled(id, result);
              this.options.onIncidentChanged?.(
                id,
                'expired',
                `Nobody answered the approval request within ${minutes} minutes; nothing was executed.`,
              );
            }
            continue;
          }
          if (
            approval.escalateAfterMs !== undefined &&
            !analysis.escalatedAt &&
            now - since >= approval.escalateAfterMs
          ) {
            await this.patchAnalysis(id, { escalatedAt: now });
            this.options.onIncidentChanged?.(id, 'escalated');
          }
        }

        const execution = analysis.execution as
          | { status: string; details: string; executionId?: string }
          | undefined;
        if (
          execution?.status === 'succeeded' &&
          execution.executionId &&
          !analysis.verification &&
          executor?.verify
        ) {
          const executedAt = analysis.executedAt ?? now;
          const mine = active.filter(signal =>
            work.fingerprints.includes(signal.fingerprint),
          );
          // A symptom that came back after the fix (a new pod crashing, a
          // new OOM kill), not one still fading on the old pods.
          const recurring = mine.filter(
            signal => Date.parse(signal.firstSeen) > executedAt,
          );
          const check = await executor.verify(execution.executionId);
          const windowOver =
            now - executedAt >= (this.options.verifyWithinMs ?? 5 * 60_000);
          const passed =
            check.state === 'passed' &&
            (mine.length === 0 || (windowOver && recurring.length === 0));
          if (passed) {
            await this.patchAnalysis(id, {
              verification: { status: 'passed', at: now, reason: check.reason },
            });
            this.options.onIncidentChanged?.(id, 'verified', check.reason);
          } else if (check.state === 'failed' || windowOver) {
            const reason =
              check.state !== 'passed'
                ? check.reason
                : `the problem recurred after the fix (${recurring
                    .map(r => `${r.reason} on ${r.object.name}`)
                    .join(', ')})`;
            const rolledBack = await executor.rollback?.(execution.executionId);
            await this.patchAnalysis(id, {
              verification: {
                status: 'failed',
                at: now,
                reason,
                rolledBack: rolledBack?.status === 'rolled-back',
              },
              execution: {
                ...execution,
                status: rolledBack ? 'rolled-back' : execution.status,
              },
            });
            this.options.onIncidentChanged?.(
              id,
              'verification-failed',
              `The fix did not verify (${reason}); ${
                rolledBack
                  ? 'it was rolled back automatically'
                  : 'it could not be rolled back'
              }.`,
            );
          }
        }
      } catch (error) {
        logger.error('Could not maintain an incident', {
          incident: id,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }

  private async patchAnalysis(id: string, patch: Partial<Analysis>) {
    const work = await this.options.incidents.getWork(id);
    if (!work) return;
    await this.options.incidents.update(
      id,
      {
        analysis: { ...work.analysis, ...patch } as unknown as Record<
          string,
          unknown
        >,
      },
      new Date(this.options.clock.now()),
    );
  }

  private async preview(work: IncidentWork): Promise<unknown[] | undefined> {
    const plan = (work.analysis as { plan?: PlanStep[] }).plan;
    if (!plan?.length || !this.options.executor?.preview) return undefined;
    try {
      return await this.options.executor.preview(
        plan,
        work.incident.cluster,
        work.incident.id,
      );
    } catch (error) {
      return [
        {
          action: plan[0].action,
          status: 'failed',
          operations: [],
          error: `The dry-run could not run: ${
            error instanceof Error ? error.message : String(error)
          }`,
        },
      ];
    }
  }

  /** Records where a thread stopped after `invoke` returned. */
  private async settled(incidentId: string, result: unknown): Promise<void> {
    this.flushTraces(incidentId);
    const now = new Date(this.options.clock.now());
    if (interrupted(result)) {
      const before = await this.options.incidents.getWork(incidentId);
      const fresh = before?.threadState !== 'awaiting-approval';
      // What the plan would change, from a server-side dry-run, for the
      // person deciding (the executor dry-runs again just before it runs).
      const preview = fresh && before ? await this.preview(before) : undefined;
      await this.options.incidents.update(
        incidentId,
        {
          threadState: 'awaiting-approval',
          ...(fresh && before
            ? {
                analysis: {
                  ...before.analysis,
                  awaitingSince: now.getTime(),
                  escalatedAt: undefined,
                  ...(preview ? { preview } : {}),
                },
              }
            : {}),
        },
        now,
      );
      this.options.onIncidentChanged?.(incidentId, 'awaiting-approval');
    } else {
      // A rejected or expired plan ends without an execution: keep the answer.
      const values = result as Partial<IncidentStateValue> | undefined;
      const before = values?.approval
        ? await this.options.incidents.getWork(incidentId)
        : undefined;
      await this.options.incidents.update(
        incidentId,
        {
          threadState: 'done',
          ...(before && values?.approval
            ? { analysis: { ...before.analysis, approval: values.approval } }
            : {}),
        },
        now,
      );
    }
  }

  /**
   * Answers an incident's pending approval request: the thread resumes from
   * its checkpoint and, when approved, executes through the executor.
   */
  answer(
    incidentId: string,
    answer: ApprovalAnswer,
    options: { claimed?: boolean } = {},
  ): Promise<void> {
    return this.serial(async () => {
      const { incidents } = this.options;
      const work = await incidents.getWork(incidentId);
      if (!work) throw new Error(`Unknown incident ${incidentId}`);
      // Exactly one answer resumes the thread: the caller claimed it, or
      // we claim it here (a second answer finds it no longer waiting).
      const claimed =
        options.claimed ||
        (await incidents.claimThreadState(
          incidentId,
          'awaiting-approval',
          'running',
          new Date(this.options.clock.now()),
        ));
      if (!claimed) {
        throw new Error(
          `Incident ${incidentId} is not waiting for an approval (${work.threadState})`,
        );
      }
      const result = await this.workflow.invoke(
        new Command({ resume: answer }),
        threadConfig(incidentId),
      );
      await this.settled(incidentId, result);
      await this.tracesWritten();
    });
  }

  /**
   * Executes an incident's current plan on a person's explicit request
   * when policy chose only to monitor it (its thread is done). The
   * executor still dry-runs, claims the plan once and honours the
   * kill-switch.
   */
  executeOnRequest(
    incidentId: string,
    approval: ApprovalAnswer,
  ): Promise<void> {
    return this.serial(async () => {
      const { incidents, executor } = this.options;
      const work = await incidents.getWork(incidentId);
      if (!work) throw new Error(`Unknown incident ${incidentId}`);
      if (work.threadState !== 'done') {
        throw new Error(
          `Incident ${incidentId} is ${work.threadState}; answer its approval instead`,
        );
      }
      const analysis = work.analysis as unknown as Analysis;
      if (!executor) throw new Error('No executor is configured');
      const execution = await executor.execute(incidentId, analysis.plan, {
        dryRun: analysis.decision?.dryRun ?? false,
        cluster: work.incident.cluster,
        requestedBy: approval.by,
      });
      await incidents.update(
        incidentId,
        {
          analysis: {
            ...analysis,
            approval,
            execution,
            executedAt: this.options.clock.now(),
            verification: undefined,
          } as unknown as Record<string, unknown>,
        },
        new Date(this.options.clock.now()),
      );
      this.options.onIncidentChanged?.(incidentId, 'executed');
    });
  }

  /**
   * After a restart: every thread that was running continues from its last
   * checkpoint (a node that had not finished runs again; finished nodes do
   * not), and threads waiting for a person stay waiting.
   */
  resume(): Promise<number> {
    return this.serial(async () => {
      const running = await this.options.incidents.listByThreadState([
        'running',
      ]);
      for (const work of running) {
        const id = work.incident.id;
        try {
          const snapshot = await this.workflow.getState(threadConfig(id));
          const result = snapshot.next.length
            ? await this.workflow.invoke(null, threadConfig(id))
            : snapshot.values;
          await this.settled(id, result);
        } catch (error) {
          this.options.logger.error('Could not resume an incident workflow', {
            incident: id,
            error: error instanceof Error ? error.message : String(error),
          });
        }
      }
      await this.tracesWritten();
      return running.length;
    });
  }

  /** The thread's current state (analysis, pending approval). */
  async state(incidentId: string) {
    return this.workflow.getState(threadConfig(incidentId));
  }

  // --- the workflow's sink -------------------------------------------

  private async opened(state: IncidentStateValue): Promise<void> {
    const { incidents } = this.options;
    const now = this.options.clock.now();
    const id = state.incidentId;
    const group = state.group;
    const existing = await incidents.get(id);
    if (existing) {
      this.flushTraces(id);
      return;
    }
    const entityRef = group.entityRefs[0] ?? null;
    const facts = entityRef
      ? await this.options.entityFacts?.(entityRef)
      : undefined;
    const first = group.signals[0];
    await incidents.insert({
      id,
      title: titleOf(group),
      summary: '',
      entityRef,
      impactedEntityRefs: group.entityRefs.slice(1),
      ownerRef: facts?.ownerRef ?? null,
      systemRef: facts?.systemRef ?? null,
      cluster: first.cluster,
      namespace: first.workload.namespace ?? first.object.namespace ?? null,
      severity: severityOf(group.signals),
      startedAt: new Date(group.startedAt),
      openedAt: new Date(now),
      groupKey: group.key,
      fingerprints: fingerprintsOf(group),
      threadState: 'running',
      lastSignalAt: new Date(now),
    });
    this.flushTraces(id);
    this.options.onIncidentChanged?.(id, 'opened');
  }

  private async analysed(state: IncidentStateValue): Promise<void> {
    const top = state.hypotheses[0];
    const group = state.group;
    const entityRef = top?.entityRef ?? group.entityRefs[0] ?? null;
    const facts = entityRef
      ? await this.options.entityFacts?.(entityRef)
      : undefined;
    const summary =
      state.summary ??
      top?.summary ??
      'No root cause could be established from the evidence so far.';
    await this.options.incidents.update(
      state.incidentId,
      {
        entityRef,
        impactedEntityRefs: group.entityRefs.filter(r => r !== entityRef),
        ownerRef: facts?.ownerRef ?? null,
        systemRef: facts?.systemRef ?? null,
        category: (top?.category ?? null) as RootCauseCategory | null,
        summary,
        ...(top
          ? { title: `${top.summary.split('. ')[0]}`.slice(0, 200) }
          : {}),
        analysis: analysisOf(state) as unknown as Record<string, unknown>,
      },
      new Date(this.options.clock.now()),
    );
    this.options.onIncidentChanged?.(state.incidentId, 'updated');
  }

  private async executed(state: IncidentStateValue): Promise<void> {
    const before = await this.options.incidents.getWork(state.incidentId);
    await this.options.incidents.update(
      state.incidentId,
      {
        analysis: {
          ...before?.analysis,
          ...analysisOf(state),
          executedAt: this.options.clock.now(),
          verification: undefined,
        } as unknown as Record<string, unknown>,
      },
      new Date(this.options.clock.now()),
    );
    this.options.onIncidentChanged?.(state.incidentId, 'executed');
  }

  // --- the agent trace --------------------------------------------------

  /**
   * Entries wait in memory until the incident row exists (written when the
   * detection agent opens it, or when a run on a known incident ends);
   * noise leaves no trace rows.
   */
  private readonly buffered = new Map<string, TraceEntry[]>();

  private trace(incidentId: string, entry: TraceEntry): void {
    const at = new Date(this.options.clock.now()).toISOString();
    const list = this.buffered.get(incidentId) ?? [];
    list.push({ ...entry, at } as TraceEntry & { at: string });
    this.buffered.set(incidentId, list);
  }

  private flushTraces(incidentId: string): void {
    const entries = this.buffered.get(incidentId) as
      | Array<TraceEntry & { at: string }>
      | undefined;
    if (!entries?.length) return;
    this.buffered.delete(incidentId);
    // One chain, so that entries are written in the order the nodes ran.
    const done = this.traceChain.then(async () => {
      for (const entry of entries) {
        await this.options.incidents.appendTrace(incidentId, entry);
      }
    });
    this.traceChain = done.catch(error => {
      this.options.logger.warn('Could not record the agent trace', {
        incident: incidentId,
        error: error instanceof Error ? error.message : String(error),
      });
    });
  }

  private discardTraces(incidentId: string): void {
    this.buffered.delete(incidentId);
  }

  /** Waits until every trace entry so far is written. */
  async tracesWritten(): Promise<void> {
    await this.traceChain;
  }
}
