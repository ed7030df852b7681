/**
 * The execution layer: carries out an approved (or policy-allowed) fix
 * plan on its cluster, and nothing else reaches a cluster. For every step:
 * the allow-listed handler turns it into API operations, each operation is
 * sent as a server-side dry-run first (its diff recorded), the object is
 * snapshotted, then the operation is applied. The plan is claimed in the
 * database first, so it runs exactly once across replicas, restarts and
 * double clicks. A failed step stops the plan and reverts the steps already
 * applied; `rollback` reverts a finished execution from its snapshots.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { PlanStep } from '@internal/plugin-ai-sre-common';
import type {
  AiSreAction,
  AiSreActionContext,
  AiSreActionParams,
} from '@internal/plugin-ai-sre-node';
import type { PatchStrategy } from '@kubernetes/client-node';
import { createHash, randomUUID } from 'node:crypto';
import type {
  ExecutedOperation,
  ExecutedStep,
  ExecutionRecord,
  ExecutionStore,
} from '../store/ExecutionStore';
import {
  ExtensionPlanStep,
  handlerFor,
  Operation,
  PlanStepError,
} from './actions';
import type { ClusterOps } from './ClusterOps';
import { describeKubeError } from './ClusterOps';
import { diffObjects } from './diff';
import { gitOpsOwner } from './gitops';

export interface ExecuteOptions {
  cluster: string;
  /** Policy's dry-run mode: everything is validated, nothing changes. */
  dryRun: boolean;
  /** Who approved, or `policy` for auto-execution. */
  requestedBy?: string;
}

export interface ExecutionOutcome {
  status: 'succeeded' | 'failed' | 'rolled-back' | 'dry-run' | 'refused';
  details: string;
  executionId?: string;
}

export interface KubernetesExecutorOptions {
  executions: ExecutionStore;
  /** The operations of a configured cluster, or undefined when unknown. */
  opsFor(cluster: string): ClusterOps | undefined;
  now(): number;
  logger: LoggerService;
  /** Patch objects a GitOps controller manages (default: refuse, name the Git source). */
  allowGitOpsPatch?: boolean;
  /** Checked before anything runs: the global or per-entity kill-switch. */
  killSwitch?(incidentId: string): Promise<string | undefined>;
  /**
   * Extension actions (feature flags, Helm rollbacks, runbook Jobs...), by
   * their ids; an id of a built-in action is refused.
   */
  actions?: AiSreAction[];
  /** Time one call of an extension action may take; default 60 s. */
  actionTimeoutMs?: number;
}

/** Where an extension action runs. */
interface ActionScope {
  cluster: string;
  incidentId: string;
}

/** Stable hash of a plan's actions, targets and parameters. */
export function planHash(plan: Array<PlanStep | ExtensionPlanStep>): string {
  const canonical = plan.map(step => ({
    action: step.action,
    target: step.target,
    params: Object.fromEntries(
      Object.entries(step.params).sort(([a], [b]) => a.localeCompare(b)),
    ),
  }));
  return createHash('sha256')
    .update(JSON.stringify(canonical))
    .digest('hex')
    .slice(0, 32);
}

/** Seconds the first new pod must stay Ready before the rollout goes on. */
const CANARY_READY_SECONDS = 30;

/**
 * A change that rolls out pods goes as a canary: a Deployment's rolling
 * update gets `maxSurge: 1, maxUnavailable: 0` and a `minReadySeconds` of at
 * least 30, so one new pod comes first, no old pod goes before it is Ready,
 * and the rollout continues only once it has stayed Ready that long. If it
 * never does, verification rolls the change back. The Deployment's own
 * strategy comes back once the execution is verified. (StatefulSets and
 * DaemonSets already replace one pod at a time.)
 */
function canary(operation: Operation): Operation {
  if (operation.type !== 'patch' || operation.object.kind !== 'Deployment') {
    return operation;
  }
  const patch = operation.patch as { spec?: Record<string, unknown> };
  return {
    ...operation,
    patch: {
      ...patch,
      spec: {
        ...patch.spec,
        minReadySeconds: CANARY_READY_SECONDS,
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
        },
      },
    },
    summary: `${operation.summary} (canary: one new pod first, Ready for ${CANARY_READY_SECONDS} s before the rest)`,
  };
}

/** The parts of an object a rollback restores. */
function restorable(object: Record<string, any>) {
  return object.kind === 'ConfigMap' || object.kind === 'Secret'
    ? { data: object.data, binaryData: object.binaryData }
    : { spec: object.spec };
}

export class KubernetesExecutor {
  private readonly extensions = new Map<string, AiSreAction>();

  constructor(private readonly options: KubernetesExecutorOptions) {
    for (const action of options.actions ?? []) {
      if (handlerFor(action.id) || this.extensions.has(action.id)) {
        throw new Error(
          `Action ${action.id} is ${
            handlerFor(action.id) ? 'a built-in action' : 'registered twice'
          }`,
        );
      }
      this.extensions.set(action.id, action);
    }
  }

  /** The extension action of a step, if its action is one (built-ins win). */
  private extensionFor(action: string): AiSreAction | undefined {
    return handlerFor(action) ? undefined : this.extensions.get(action);
  }

  private actionContext(
    scope: ActionScope,
    snapshot?: Record<string, unknown>,
  ): AiSreActionContext {
    return {
      ...scope,
      logger: this.options.logger,
      signal: AbortSignal.timeout(this.options.actionTimeoutMs ?? 60_000),
      ...(snapshot ? { snapshot: snapshot.value } : {}),
    };
  }

  /**
   * Validates a plan against the cluster without changing anything: the
   * dry-run diff a person sees before approving.
   */
  async preview(
    plan: Array<PlanStep | ExtensionPlanStep>,
    cluster: string,
    incidentId = 'preview',
  ): Promise<ExecutedStep[]> {
    const ops = this.options.opsFor(cluster);
    if (!ops) throw new Error(`Cluster ${cluster} is not configured`);
    const steps: ExecutedStep[] = [];
    for (const step of plan) {
      steps.push(await this.dryRunStep(step, ops, { cluster, incidentId }));
    }
    return steps;
  }

  async execute(
    incidentId: string,
    plan: Array<PlanStep | ExtensionPlanStep>,
    options: ExecuteOptions,
  ): Promise<ExecutionOutcome> {
    const { executions, logger } = this.options;
    const stopped = await this.options.killSwitch?.(incidentId);
    if (stopped) {
      return { status: 'refused', details: stopped };
    }
    const ops = this.options.opsFor(options.cluster);
    if (!ops) {
      return {
        status: 'refused',
        details: `Cluster ${options.cluster} is not configured for execution`,
      };
    }
    for (const step of plan) {
      if (!handlerFor(step.action) && !this.extensionFor(step.action)) {
        return {
          status: 'refused',
          details: `${step.action} is not an allow-listed action`,
        };
      }
    }

    const { claimed, record } = await executions.claim({
      id: randomUUID(),
      incidentId,
      planHash: planHash(plan),
      cluster: options.cluster,
      dryRun: options.dryRun,
      requestedBy: options.requestedBy ?? null,
      startedAt: this.options.now(),
    });
    if (!claimed) {
      // Already executed (or executing): never twice.
      return {
        status:
          record.status === 'running'
            ? 'succeeded'
            : (record.status as ExecutionOutcome['status']),
        details: `This plan was already executed (execution ${record.id}, ${record.status}); not run again.`,
        executionId: record.id,
      };
    }

    const steps: ExecutedStep[] = [];
    const save = (patch: Parameters<ExecutionStore['update']>[1]) =>
      executions.update(record.id, { steps, ...patch });
    try {
      // Dry-run of the whole plan just before executing it.
      const scope = { cluster: options.cluster, incidentId };
      for (const step of plan) {
        steps.push(await this.dryRunStep(step, ops, scope));
      }
      const invalid = steps.find(s => s.status === 'failed');
      if (invalid || options.dryRun) {
        const details = invalid
          ? `The dry-run of ${invalid.action} failed: ${invalid.error}`
          : `Dry-run mode: ${this.describe(steps)} validated; nothing changed.`;
        await save({
          status: invalid ? 'failed' : 'dry-run',
          details,
          finishedAt: this.options.now(),
        });
        return {
          status: invalid ? 'failed' : 'dry-run',
          details,
          executionId: record.id,
        };
      }

      for (const step of steps) {
        if (step.status === 'noted') continue;
        try {
          const extension = this.extensionFor(step.action);
          for (const operation of step.operations) {
            if (extension) {
              await extension.apply(
                operation.patch as AiSreActionParams,
                this.actionContext(scope, operation.snapshot),
              );
            } else {
              await this.apply(operation, ops);
            }
            operation.status = 'applied';
          }
          step.status = 'applied';
          await save({});
        } catch (error) {
          step.status = 'failed';
          step.error = describeKubeError(error);
          logger.warn('A fix step failed; reverting what the plan changed', {
            incident: incidentId,
            action: step.action,
            error: step.error,
          });
          await this.revert(steps, ops, scope);
          const details = `${step.action} failed (${step.error}); the changes already made were reverted.`;
          await save({
            status: 'rolled-back',
            details,
            finishedAt: this.options.now(),
          });
          return { status: 'rolled-back', details, executionId: record.id };
        }
      }
      const details = `${this.describe(steps)} applied.`;
      await save({
        status: 'succeeded',
        details,
        finishedAt: this.options.now(),
      });
      return { status: 'succeeded', details, executionId: record.id };
    } catch (error) {
      const details = `Execution failed: ${describeKubeError(error)}`;
      await save({ status: 'failed', details, finishedAt: this.options.now() });
      return { status: 'failed', details, executionId: record.id };
    }
  }

  /**
   * The post-conditions of an execution: every workload it rolled out has
   * finished its rollout with all replicas available (a rollout past its
   * progress deadline has failed); other changes hold once applied.
   */
  async verify(
    executionId: string,
  ): Promise<{ state: 'passed' | 'pending' | 'failed'; reason: string }> {
    const record = await this.options.executions.get(executionId);
    if (!record)
      return { state: 'failed', reason: `unknown execution ${executionId}` };
    const ops = this.options.opsFor(record.cluster);
    if (!ops)
      return {
        state: 'failed',
        reason: `cluster ${record.cluster} is not configured`,
      };
    const pending: string[] = [];
    const checked: string[] = [];
    for (const step of record.steps) {
      if (!handlerFor(step.action)) {
        // An extension action: its own post-condition, if it has one.
        for (const operation of step.operations) {
          if (operation.status !== 'applied') continue;
          const extension = this.extensions.get(step.action);
          if (!extension) {
            return {
              state: 'failed',
              reason: `${step.action} is no longer registered`,
            };
          }
          if (!extension.verify) continue;
          const check = await extension.verify(
            operation.patch as AiSreActionParams,
            this.actionContext(
              { cluster: record.cluster, incidentId: record.incidentId },
              operation.snapshot,
            ),
          );
          if (check.state === 'failed') {
            return {
              state: 'failed',
              reason: `${step.action}: ${check.reason}`,
            };
          }
          (check.state === 'pending' ? pending : checked).push(
            `${step.action}: ${check.reason}`,
          );
        }
        continue;
      }
      for (const operation of step.operations) {
        if (operation.status !== 'applied') continue;
        const { kind } = operation.object;
        if (!['Deployment', 'StatefulSet', 'DaemonSet'].includes(kind))
          continue;
        const object = (await ops.read(operation.object)) as Record<
          string,
          any
        >;
        const name = `${kind}/${operation.object.namespace}/${operation.object.name}`;
        const status = object.status ?? {};
        const stalled = (status.conditions ?? []).find(
          (c: any) =>
            c.type === 'Progressing' &&
            c.status === 'False' &&
            c.reason === 'ProgressDeadlineExceeded',
        );
        if (stalled) {
          return {
            state: 'failed',
            reason: `${name}: rollout exceeded its progress deadline (${
              stalled.message ?? ''
            })`,
          };
        }
        const observed =
          (status.observedGeneration ?? 0) >=
          (object.metadata?.generation ?? 0);
        let done: boolean;
        let progress: string;
        if (kind === 'DaemonSet') {
          const desired = status.desiredNumberScheduled ?? 0;
          done =
            observed &&
            status.updatedNumberScheduled === desired &&
            status.numberAvailable === desired;
          progress = `${status.numberAvailable ?? 0}/${desired} available`;
        } else {
          const desired = object.spec?.replicas ?? 1;
          const ready =
            kind === 'Deployment'
              ? status.availableReplicas
              : status.readyReplicas;
          done =
            observed &&
            (status.updatedReplicas ?? 0) === desired &&
            (ready ?? 0) >= desired &&
            (status.replicas ?? 0) === desired;
          progress = `${status.updatedReplicas ?? 0}/${desired} updated, ${
            ready ?? 0
          } available, ${status.replicas ?? 0} total`;
        }
        if (!done) pending.push(`${name}: ${progress}`);
      }
    }
    if (pending.length) return { state: 'pending', reason: pending.join('; ') };
    await this.restoreRolloutSettings(record, ops);
    return {
      state: 'passed',
      reason: [
        'every rollout finished with all replicas available',
        ...checked,
      ].join('; '),
    };
  }

  /**
   * Gives Deployments back the rollout strategy and `minReadySeconds` they
   * had before the canary (changing these alone rolls nothing out).
   */
  private async restoreRolloutSettings(
    record: ExecutionRecord,
    ops: ClusterOps,
  ) {
    for (const step of record.steps) {
      for (const operation of step.operations) {
        const before = (operation.snapshot as any)?.spec;
        if (
          operation.status !== 'applied' ||
          operation.object.kind !== 'Deployment' ||
          !before
        ) {
          continue;
        }
        const current = (await ops.read(operation.object)) as any;
        if (
          JSON.stringify(current.spec?.strategy) ===
            JSON.stringify(before.strategy) &&
          (current.spec?.minReadySeconds ?? 0) === (before.minReadySeconds ?? 0)
        ) {
          continue;
        }
        await ops.patch(
          operation.object,
          {
            spec: {
              minReadySeconds: before.minReadySeconds ?? 0,
              strategy: before.strategy
                ? { $patch: 'replace', ...before.strategy }
                : null,
            },
          },
          'application/strategic-merge-patch+json' as PatchStrategy,
          false,
        );
      }
    }
  }

  /** Reverts a finished execution from its snapshots. */
  async rollback(executionId: string): Promise<ExecutionRecord> {
    const { executions } = this.options;
    const record = await executions.get(executionId);
    if (!record) throw new Error(`Unknown execution ${executionId}`);
    const ops = this.options.opsFor(record.cluster);
    if (!ops) throw new Error(`Cluster ${record.cluster} is not configured`);
    if (record.status !== 'succeeded') {
      throw new Error(
        `Execution ${executionId} is ${record.status}; only a succeeded execution can be rolled back`,
      );
    }
    await this.revert(record.steps, ops, {
      cluster: record.cluster,
      incidentId: record.incidentId,
    });
    await executions.update(executionId, {
      status: 'rolled-back',
      steps: record.steps,
      details: `${record.details} Rolled back.`,
    });
    return (await executions.get(executionId))!;
  }

  private describe(steps: ExecutedStep[]): string {
    const changes = steps.flatMap(s => s.operations.map(o => o.summary));
    return changes.length ? changes.join('; ') : 'No cluster change';
  }

  private async dryRunStep(
    step: PlanStep | ExtensionPlanStep,
    ops: ClusterOps,
    scope: ActionScope,
  ): Promise<ExecutedStep> {
    const extension = this.extensionFor(step.action);
    if (extension) return this.dryRunExtension(step, extension, scope);
    const handler = handlerFor(step.action)!;
    if (handler.readOnly) {
      return { action: step.action, status: 'noted', operations: [] };
    }
    let operations: Operation[];
    try {
      operations = (await handler.prepare(step as PlanStep, ops)).map(
        operation => (handler.rollsOutPods ? canary(operation) : operation),
      );
    } catch (error) {
      return {
        action: step.action,
        status: 'failed',
        operations: [],
        error:
          error instanceof PlanStepError
            ? error.message
            : describeKubeError(error),
      };
    }
    const executed: ExecutedOperation[] = [];
    for (const operation of operations) {
      const record: ExecutedOperation = {
        type: operation.type,
        object: operation.object,
        summary: operation.summary,
        ...(operation.type === 'patch'
          ? { patch: operation.patch, strategy: operation.strategy }
          : {}),
        diff: [],
        status: 'pending',
      };
      executed.push(record);
      try {
        const before = JSON.parse(
          JSON.stringify(await ops.read(operation.object)),
        );
        const managed = gitOpsOwner(before);
        if (
          managed &&
          operation.type === 'patch' &&
          !this.options.allowGitOpsPatch
        ) {
          throw new PlanStepError(
            `${operation.object.kind}/${
              operation.object.namespace ? `${operation.object.namespace}/` : ''
            }${operation.object.name} is managed by ${
              managed.tool
            } and would be put back from Git: change ${
              managed.source
            } instead (or allow direct patches with aiSre.policy.gitops.allowDirectPatch)`,
          );
        }
        if (operation.type === 'patch') {
          record.snapshot = before;
          const after = await ops.patch(
            operation.object,
            operation.patch,
            operation.strategy,
            true,
          );
          record.diff = diffObjects(before, JSON.parse(JSON.stringify(after)));
        } else if (operation.type === 'evict') {
          await ops.evict(operation.object, true);
          record.diff = [{ path: 'pod', before: 'running', after: 'evicted' }];
        } else {
          await ops.delete(operation.object, true);
          record.diff = [{ path: 'pod', before: 'present', after: 'deleted' }];
        }
        record.status = 'dry-run';
      } catch (error) {
        record.status = 'failed';
        record.error =
          error instanceof PlanStepError
            ? error.message
            : describeKubeError(error);
        return {
          action: step.action,
          status: 'failed',
          operations: executed,
          error: `${operation.summary}: ${record.error}`,
        };
      }
    }
    return { action: step.action, status: 'dry-run', operations: executed };
  }

  /**
   * The dry-run of an extension action, recorded as one operation: its
   * diff, its parameters (as the operation's `patch`) and its snapshot.
   */
  private async dryRunExtension(
    step: PlanStep | ExtensionPlanStep,
    action: AiSreAction,
    scope: ActionScope,
  ): Promise<ExecutedStep> {
    const invalid = action.validate(step.params);
    if (invalid) {
      return {
        action: step.action,
        status: 'failed',
        operations: [],
        error: `${action.id}: ${invalid}`,
      };
    }
    let result: Awaited<ReturnType<AiSreAction['dryRun']>>;
    try {
      result = await action.dryRun(step.params, this.actionContext(scope));
    } catch (error) {
      return {
        action: step.action,
        status: 'failed',
        operations: [],
        error: `${action.id}: ${describeKubeError(error)}`,
      };
    }
    const operation: ExecutedOperation = {
      // The store's operation types are Kubernetes ones; an extension
      // action is recorded as a change ("patch") of the object it names.
      type: 'patch',
      object: {
        apiVersion: result.object?.apiVersion ?? 'ai-sre.io/v1',
        kind: result.object?.kind ?? 'Action',
        ...(result.object?.namespace
          ? { namespace: result.object.namespace }
          : {}),
        name: result.object?.name ?? action.id,
      },
      summary: result.summary ?? `${action.id} ${JSON.stringify(step.params)}`,
      patch: step.params,
      diff: result.diff,
      snapshot: { action: action.id, value: result.snapshot },
      status: result.refusal ? 'failed' : 'dry-run',
      ...(result.refusal ? { error: result.refusal } : {}),
    };
    if (result.refusal) {
      return {
        action: step.action,
        status: 'failed',
        operations: [operation],
        error: `${operation.summary}: ${result.refusal}`,
      };
    }
    return { action: step.action, status: 'dry-run', operations: [operation] };
  }

  private async apply(operation: ExecutedOperation, ops: ClusterOps) {
    if (operation.type === 'evict') {
      await ops.evict(operation.object, false);
      return;
    }
    if (operation.type === 'delete') {
      await ops.delete(operation.object, false);
      return;
    }
    await ops.patch(
      operation.object,
      operation.patch as object,
      operation.strategy as PatchStrategy,
      false,
    );
  }

  private async revert(
    steps: ExecutedStep[],
    ops: ClusterOps,
    scope: ActionScope,
  ) {
    for (const step of [...steps].reverse()) {
      const extension = handlerFor(step.action)
        ? undefined
        : this.extensions.get(step.action);
      for (const operation of [...step.operations].reverse()) {
        if (operation.status !== 'applied' || !operation.snapshot) continue;
        if (!handlerFor(step.action)) {
          try {
            if (!extension) throw new Error(`${step.action} is not registered`);
            await extension.revert(
              operation.snapshot.value,
              this.actionContext(scope, operation.snapshot),
            );
            operation.status = 'reverted';
          } catch (error) {
            operation.error = `revert failed: ${describeKubeError(error)}`;
          }
          continue;
        }
        try {
          const current = (await ops.read(operation.object)) as Record<
            string,
            any
          >;
          await ops.replace(
            {
              ...current,
              ...restorable(operation.snapshot),
            } as any,
            false,
          );
          operation.status = 'reverted';
        } catch (error) {
          operation.error = `revert failed: ${describeKubeError(error)}`;
        }
      }
      if (step.operations.some(o => o.status === 'reverted')) {
        step.status = 'reverted';
      }
    }
  }
}
