/**
 * What people do to incidents, plans and executions, after the router has
 * authenticated and authorized them: acknowledge, resolve, mark a false
 * positive, approve or reject a pending plan, roll an execution back, flip
 * a kill-switch. Every action is written to the append-only audit log and
 * to Backstage's auditor service; conflicts (a step already decided, an
 * incident already closed) are refused with 409.
 */
import type {
  AuditorService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import type {
  Hypothesis,
  Incident,
  PlanStep,
} from '@internal/plugin-ai-sre-common';
import { decide } from '../policy';
import type { SignalGroup } from '../reasoning/types';
import type { EntityFacts } from '../reasoning/IncidentEngine';
import type { PolicyConfig } from '../policy';
import type { IncidentEngine } from '../reasoning/IncidentEngine';
import type { AuditAction, ControlStore } from '../store/ControlStore';
import type { ExecutionStore } from '../store/ExecutionStore';
import type { IncidentStore } from '../store/IncidentStore';
import { KillSwitches } from './KillSwitches';

function auditOutcome(
  status: string | undefined,
): 'succeeded' | 'failed' | 'refused' {
  if (status === 'succeeded' || status === 'dry-run') return 'succeeded';
  return status === 'refused' ? 'refused' : 'failed';
}

export interface Rollbacker {
  rollback(executionId: string): Promise<{ status: string; details: string }>;
}

export interface ControlServiceOptions {
  incidents: IncidentStore;
  executions: ExecutionStore;
  control: ControlStore;
  engine: IncidentEngine;
  executor: Rollbacker;
  policy: PolicyConfig;
  now(): number;
  logger: LoggerService;
  auditor?: AuditorService;
  /** Owner and lifecycle of an entity (second-approver rules, policy checks). */
  entityFacts?(
    entityRef: string,
  ): EntityFacts | undefined | Promise<EntityFacts | undefined>;
  /** Told after a person changed an incident's status. */
  onStatusChanged?(
    incident: Incident,
    change: 'acknowledged' | 'resolved' | 'false-positive',
  ): void;
}

const CLOSED = ['resolved', 'false-positive'];

export class ControlService {
  private readonly switches: KillSwitches;

  constructor(private readonly options: ControlServiceOptions) {
    this.switches = new KillSwitches(options);
  }

  private async incident(id: string): Promise<Incident> {
    const incident = await this.options.incidents.get(id);
    if (!incident) throw new NotFoundError(`No incident with id ${id}`);
    return incident;
  }

  /** Records an action in the audit table and the auditor service. */
  async audit(entry: {
    actor: string;
    action: AuditAction;
    incident?: Incident;
    executionId?: string;
    outcome: 'succeeded' | 'failed' | 'refused';
    details?: Record<string, unknown>;
  }): Promise<void> {
    const details = entry.details ?? {};
    await this.options.control.audit({
      at: this.options.now(),
      actor: entry.actor,
      action: entry.action,
      incidentId: entry.incident?.id ?? null,
      entityRef: entry.incident?.entityRef ?? null,
      executionId: entry.executionId ?? null,
      outcome: entry.outcome,
      details,
    });
    try {
      const event = await this.options.auditor?.createEvent({
        eventId: entry.action.replace('.', '-'),
        severityLevel: entry.action.startsWith('incident.') ? 'low' : 'high',
        meta: {
          actor: entry.actor,
          incidentId: entry.incident?.id ?? null,
          entityRef: entry.incident?.entityRef ?? null,
          executionId: entry.executionId ?? null,
          outcome: entry.outcome,
        },
      });
      if (entry.outcome === 'succeeded') await event?.success();
      else
        await event?.fail({
          error: new Error(String(details.reason ?? entry.outcome)),
        });
    } catch (error) {
      this.options.logger.warn('Could not write an auditor event', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  async acknowledge(id: string, actor: string): Promise<Incident> {
    const incident = await this.incident(id);
    if (incident.status !== 'open') {
      throw new ConflictError(
        `Incident ${id} is ${incident.status}; only an open incident can be acknowledged`,
      );
    }
    const now = new Date(this.options.now());
    const updated = (await this.options.incidents.update(
      id,
      { status: 'acknowledged', acknowledgedAt: now },
      now,
    ))!;
    await this.audit({
      actor,
      action: 'incident.acknowledge',
      incident,
      outcome: 'succeeded',
    });
    this.options.onStatusChanged?.(updated, 'acknowledged');
    return updated;
  }

  async resolve(
    id: string,
    actor: string,
    comment?: string,
  ): Promise<Incident> {
    const incident = await this.incident(id);
    if (CLOSED.includes(incident.status)) {
      throw new ConflictError(`Incident ${id} is already ${incident.status}`);
    }
    const now = new Date(this.options.now());
    const updated = (await this.options.incidents.update(
      id,
      { status: 'resolved', resolvedAt: now },
      now,
    ))!;
    await this.audit({
      actor,
      action: 'incident.resolve',
      incident,
      outcome: 'succeeded',
      details: comment ? { comment } : {},
    });
    this.options.onStatusChanged?.(updated, 'resolved');
    return updated;
  }

  async markFalsePositive(
    id: string,
    actor: string,
    reason: string,
  ): Promise<Incident> {
    if (!reason.trim()) {
      throw new InputError('A false positive needs a reason');
    }
    const incident = await this.incident(id);
    if (incident.status === 'false-positive') {
      throw new ConflictError(`Incident ${id} is already a false positive`);
    }
    const now = new Date(this.options.now());
    const updated = (await this.options.incidents.update(
      id,
      { status: 'false-positive', resolvedAt: now },
      now,
    ))!;
    await this.audit({
      actor,
      action: 'incident.false-positive',
      incident,
      outcome: 'succeeded',
      details: { reason },
    });
    this.options.onStatusChanged?.(updated, 'false-positive');
    return updated;
  }

  /**
   * Approves or rejects the incident's pending plan. Approval resumes the
   * workflow, which executes through the execution layer.
   */
  /**
   * Approves or rejects the incident's pending plan, optionally adjusting
   * its parameters. An adjusted plan is checked by the policy again; where
   * policy asks for a second approver (by default for `production`
   * entities), the adjustment waits for another person's approval.
   * Approval resumes the workflow, which executes through the execution
   * layer.
   */
  async decide(
    id: string,
    actor: string,
    decision: {
      approve: boolean;
      comment?: string;
      adjustments?: Array<{
        step: number;
        params: Record<string, string | number | boolean>;
      }>;
    },
  ): Promise<{ waitingForSecondApprover: boolean }> {
    const incident = await this.incident(id);
    const work = (await this.options.incidents.getWork(id))!;
    if (work.threadState !== 'awaiting-approval') {
      throw new ConflictError(
        `Incident ${id} has no plan waiting for a decision (its workflow is ${work.threadState})`,
      );
    }
    const analysis = work.analysis as {
      plan?: PlanStep[];
      hypotheses?: Hypothesis[];
      pendingAdjustment?: { by: string; plan: PlanStep[]; comment?: string };
    };
    const pending = analysis.pendingAdjustment;
    let plan: PlanStep[] | undefined;
    let adjustedBy: string | undefined;
    if (decision.adjustments?.length) {
      if (!decision.approve) {
        throw new InputError(
          'Adjustments come with an approval, not a rejection',
        );
      }
      plan = await this.adjust(
        id,
        analysis.plan ?? [],
        analysis.hypotheses ?? [],
        decision.adjustments,
      );
      adjustedBy = actor;
      if (await this.needsSecondApprover(incident)) {
        await this.options.incidents.update(
          id,
          {
            analysis: {
              ...work.analysis,
              pendingAdjustment: {
                by: actor,
                plan,
                ...(decision.comment ? { comment: decision.comment } : {}),
              },
            },
          },
          new Date(this.options.now()),
        );
        await this.audit({
          actor,
          action: 'plan.adjust',
          incident,
          outcome: 'succeeded',
          details: {
            adjustments: decision.adjustments,
            waitingForSecondApprover: true,
            ...(decision.comment ? { comment: decision.comment } : {}),
          },
        });
        return { waitingForSecondApprover: true };
      }
    } else if (pending && decision.approve) {
      if (pending.by === actor) {
        throw new ConflictError(
          `${actor} adjusted this plan; a second person must approve it`,
        );
      }
      plan = pending.plan;
      adjustedBy = pending.by;
    }
    // Ours alone from here: a second click or another replica gets 409.
    const claimed = await this.options.incidents.claimThreadState(
      id,
      'awaiting-approval',
      'running',
      new Date(this.options.now()),
    );
    if (!claimed) {
      throw new ConflictError(`The plan of incident ${id} was already decided`);
    }
    await this.audit({
      actor,
      action: decision.approve ? 'plan.approve' : 'plan.reject',
      incident,
      outcome: 'succeeded',
      details: {
        plan: (plan ?? analysis.plan ?? []).map(step => step.action),
        ...(decision.comment ? { comment: decision.comment } : {}),
        ...(adjustedBy
          ? {
              adjustedBy,
              adjustments:
                decision.adjustments ?? 'as proposed by the first approver',
            }
          : {}),
      },
    });
    await this.options.engine.answer(
      id,
      {
        approved: decision.approve,
        by: actor,
        ...(decision.comment ? { comment: decision.comment } : {}),
        ...(plan ? { plan, adjustedBy } : {}),
      },
      { claimed: true },
    );
    if (decision.approve) {
      const after = await this.options.incidents.getWork(id);
      const execution = (
        after?.analysis as {
          execution?: { status: string; details: string; executionId?: string };
        }
      ).execution;
      const diffs = execution?.executionId
        ? (await this.options.executions.get(execution.executionId))?.steps.map(
            step => ({
              action: step.action,
              status: step.status,
              diff: step.operations.flatMap(o => o.diff),
            }),
          )
        : undefined;
      await this.audit({
        actor,
        action: 'plan.execute',
        incident,
        executionId: execution?.executionId,
        outcome: auditOutcome(execution?.status),
        details: {
          status: execution?.status ?? 'unknown',
          details: execution?.details ?? '',
          ...(diffs ? { steps: diffs } : {}),
        },
      });
    }
    return { waitingForSecondApprover: false };
  }

  /**
   * A plan with adjusted parameters: only parameters the step already has,
   * of the same type, and a plan the policy still allows (blast radius,
   * allow-list, kill-switches).
   */
  private async adjust(
    id: string,
    plan: PlanStep[],
    hypotheses: Hypothesis[],
    adjustments: Array<{
      step: number;
      params: Record<string, string | number | boolean>;
    }>,
  ): Promise<PlanStep[]> {
    const adjusted = plan.map(step => ({
      ...step,
      params: { ...step.params },
    }));
    for (const { step, params } of adjustments) {
      const target = adjusted[step];
      if (!target) {
        throw new InputError(`adjustments: the plan has no step ${step}`);
      }
      for (const [key, value] of Object.entries(params)) {
        if (!(key in target.params)) {
          throw new InputError(
            `adjustments: step ${step} (${target.action}) has no parameter ${key}; only existing parameters can be adjusted`,
          );
        }
        if (typeof target.params[key] !== typeof value) {
          throw new InputError(
            `adjustments: ${key} of step ${step} must be a ${typeof target
              .params[key]}`,
          );
        }
        target.params[key] = value;
      }
    }
    const state = await this.options.engine.state(id);
    const group = (state.values as { group?: SignalGroup }).group;
    const top = hypotheses[0];
    if (!group || !top) {
      throw new ConflictError(`Incident ${id} has no analysis to adjust`);
    }
    const facts = top.entityRef
      ? await this.options.entityFacts?.(top.entityRef)
      : undefined;
    const checked = decide({
      plan: adjusted,
      hypothesis: top,
      group,
      entity: top.entityRef
        ? {
            ref: top.entityRef,
            lifecycle: facts?.lifecycle ?? null,
            ownerRef: facts?.ownerRef ?? null,
          }
        : null,
      history: { actionsForEntityLastHour: 0, attemptsForIncident: 0 },
      killSwitch: { global: false, entityRefs: [] },
      now: this.options.now(),
      config: this.options.policy,
    });
    if (checked.decision === 'refuse') {
      throw new InputError(
        `The adjusted plan is outside policy: ${checked.reasons.join(' ')}`,
      );
    }
    return adjusted;
  }

  private async needsSecondApprover(incident: Incident): Promise<boolean> {
    const rule = this.options.policy.approval.secondApprover;
    if (!rule.forAdjustedPlans || !incident.entityRef) return false;
    const lifecycle = (await this.options.entityFacts?.(incident.entityRef))
      ?.lifecycle;
    return !!lifecycle && rule.lifecycles.includes(lifecycle);
  }

  async rollbackExecution(executionId: string, actor: string) {
    const record = await this.options.executions.get(executionId);
    if (!record) throw new NotFoundError(`No execution with id ${executionId}`);
    if (record.status !== 'succeeded') {
      throw new ConflictError(
        `Execution ${executionId} is ${record.status}; only a succeeded execution can be rolled back`,
      );
    }
    const incident = await this.options.incidents.get(record.incidentId);
    try {
      const result = await this.options.executor.rollback(executionId);
      await this.audit({
        actor,
        action: 'execution.rollback',
        incident,
        executionId,
        outcome: 'succeeded',
        details: { details: result.details },
      });
      return result;
    } catch (error) {
      await this.audit({
        actor,
        action: 'execution.rollback',
        incident,
        executionId,
        outcome: 'failed',
        details: {
          reason: error instanceof Error ? error.message : String(error),
        },
      });
      throw error;
    }
  }

  async setKillSwitch(options: {
    entityRef?: string;
    enabled: boolean;
    reason?: string;
    actor: string;
  }) {
    await this.options.control.setKillSwitch({
      scope: options.entityRef ?? 'global',
      enabled: options.enabled,
      reason: options.reason ?? '',
      by: options.actor,
      at: this.options.now(),
    });
    await this.audit({
      actor: options.actor,
      action: 'kill-switch.set',
      outcome: 'succeeded',
      details: {
        scope: options.entityRef ?? 'global',
        enabled: options.enabled,
        ...(options.reason ? { reason: options.reason } : {}),
      },
    });
    return this.killSwitches();
  }

  /** The runtime switches combined with the configured ones. */
  killSwitches() {
    return this.switches.state();
  }

  /** Why nothing may execute for this incident now, or undefined. */
  stopped(incidentId: string) {
    return this.switches.stopped(incidentId);
  }
}
