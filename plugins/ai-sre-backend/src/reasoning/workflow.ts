import type { PlanStep } from './types';
import {
  Annotation,
  BaseCheckpointSaver,
  END,
  interrupt,
  START,
  StateGraph,
} from '@langchain/langgraph';
import type { PolicyConfig, PolicyDecision } from '../policy';
import { decide } from '../policy';
import { suppressed } from '../policy/suppression';
import { isIncident } from './grouping';
import { planFix } from './planner';
import { rankRootCauses } from './rootCause';
import type { Hypothesis, ReasoningContext, SignalGroup } from './types';
import type { IncidentEnricher, ModelUsage } from './model/types';

/** What a person answers to an approval request. */
export interface ApprovalAnswer {
  approved: boolean;
  by: string;
  comment?: string;
  /**
   * The plan as people adjusted it (parameters only, already checked by the
   * policy), replacing the proposed one; who adjusted it when a second
   * person approved.
   */
  plan?: PlanStep[];
  adjustedBy?: string;
}

/** Runs approved or auto-executed plans; the execution layer implements it. */
export interface Executor {
  execute(
    incidentId: string,
    plan: PlanStep[],
    options: {
      dryRun: boolean;
      /** The cluster the incident's signals come from. */
      cluster: string;
      /** Who approved, or `policy` for auto-execution. */
      requestedBy?: string;
    },
  ): Promise<{
    status: 'succeeded' | 'failed' | 'rolled-back' | 'dry-run' | 'refused';
    details: string;
    executionId?: string;
  }>;
  /** A server-side dry-run of a plan: what each step would change. */
  preview?(
    plan: PlanStep[],
    cluster: string,
    incidentId?: string,
  ): Promise<unknown[]>;
  /** Post-conditions of an execution (rollouts finished, replicas available). */
  verify?(executionId: string): Promise<{
    state: 'passed' | 'pending' | 'failed';
    reason: string;
  }>;
  /** Reverts an execution from its snapshots. */
  rollback?(executionId: string): Promise<{ status: string; details: string }>;
}

/** One agent step as recorded for the agent trace. */
export interface TraceEntry {
  node: string;
  input: string;
  output: string;
  durationMs: number;
  /** Token usage of model calls the node made. */
  modelUsage?: ModelUsage[];
}

/**
 * Where the workflow records what it concluded. Every method is idempotent
 * (keyed by the incident id): after a crash a node may run again.
 */
export interface WorkflowSink {
  /** The detection agent judged the group a real incident. */
  opened(state: IncidentStateValue): Promise<void>;
  /** Root cause, plan and policy decision are known. */
  analysed(state: IncidentStateValue): Promise<void>;
  /** The plan ran (or was refused by the executor). */
  executed(state: IncidentStateValue): Promise<void>;
}

export interface WorkflowDependencies {
  policy: PolicyConfig;
  /** Epoch ms from the injected clock. */
  now(): number;
  executor?: Executor;
  /** Optional language model: summary and extra hypotheses, never decisions. */
  enricher?: IncidentEnricher;
  sink?: WorkflowSink;
  /** Receives every node's input summary, output and duration. */
  trace?(incidentId: string, entry: TraceEntry): void;
  /** Kill-switches and execution history from the store. */
  runtime?(
    incidentId: string,
    entityRef: string | null,
  ): Promise<{
    killSwitch: { global: boolean; entityRefs: string[] };
    actionsForEntityLastHour: number;
    attemptsForIncident: number;
    entity: {
      ref: string;
      lifecycle: string | null;
      ownerRef: string | null;
    } | null;
  }>;
}

/** The state of one incident's thread (thread id = incident id). */
export const IncidentState = Annotation.Root({
  incidentId: Annotation<string>,
  group: Annotation<SignalGroup>,
  context: Annotation<ReasoningContext>,
  outcome: Annotation<'noise' | 'suppressed' | 'incident' | undefined>,
  reason: Annotation<string | undefined>,
  hypotheses: Annotation<Hypothesis[]>({
    reducer: (_a, b) => b,
    default: () => [],
  }),
  /** Extra hypotheses from a language model; plans never read them. */
  modelHypotheses: Annotation<Hypothesis[]>({
    reducer: (_a, b) => b,
    default: () => [],
  }),
  /** A plain-language summary from a language model, when there is one. */
  summary: Annotation<string | undefined>,
  /** Token usage of the model calls for this incident so far. */
  modelUsage: Annotation<ModelUsage[]>({
    reducer: (a, b) => [...a, ...b],
    default: () => [],
  }),
  /** Why the model's output was not used, when it was not. */
  enrichmentSkipped: Annotation<string | undefined>,
  plan: Annotation<PlanStep[]>({ reducer: (_a, b) => b, default: () => [] }),
  decision: Annotation<PolicyDecision | undefined>,
  approval: Annotation<ApprovalAnswer | undefined>,
  execution: Annotation<{ status: string; details: string } | undefined>,
});

type State = typeof IncidentState.State;

/** One incident thread's state. */
export type IncidentStateValue = State;

function timed<T extends object>(
  deps: WorkflowDependencies,
  node: string,
  summarize: (state: State) => string,
  fn: (state: State) => Promise<T> | T,
  usage?: (output: T) => ModelUsage[] | undefined,
) {
  return async (state: State): Promise<T> => {
    const started = Date.now();
    const output = await fn(state);
    const modelUsage = usage?.(output);
    deps.trace?.(state.incidentId, {
      node,
      input: summarize(state),
      output: JSON.stringify(output).slice(0, 2000),
      durationMs: Date.now() - started,
      ...(modelUsage?.length ? { modelUsage } : {}),
    });
    return output;
  };
}

/**
 * The incident workflow: detection (incident or noise, suppressions and
 * maintenance windows), root cause, fix plan, deterministic policy, then
 * monitor, auto-execute, or ask a human (an interrupt in its own node,
 * resumed with `Command({ resume: ApprovalAnswer })`). Side effects come
 * only after the interrupt, in `execute`.
 */
export function buildIncidentWorkflow(
  deps: WorkflowDependencies,
  checkpointer: BaseCheckpointSaver,
) {
  const retry = { maxAttempts: 3 };
  return new StateGraph(IncidentState)
    .addNode(
      'detect',
      timed(
        deps,
        'detect',
        s => `${s.group.signals.length} signals`,
        state => {
          const now = deps.now();
          const quiet = suppressed(state.group, deps.policy, now);
          if (quiet.suppressed)
            return { outcome: 'suppressed' as const, reason: quiet.reason };
          if (!isIncident(state.group, now)) {
            return {
              outcome: 'noise' as const,
              reason: 'only low-severity signals, not for long enough',
            };
          }
          return { outcome: 'incident' as const, reason: undefined };
        },
      ),
      { retryPolicy: retry },
    )
    .addNode(
      'open',
      async (state: State) => {
        await deps.sink?.opened(state);
        return {};
      },
      { retryPolicy: retry },
    )
    .addNode(
      'rootCause',
      timed(
        deps,
        'rootCause',
        s =>
          `${s.group.signals.length} signals, ${s.context.changes.length} changes`,
        state => ({
          hypotheses: rankRootCauses(state.group, state.context),
        }),
      ),
      { retryPolicy: retry },
    )
    .addNode(
      'enrich',
      timed(
        deps,
        'enrich',
        s =>
          `${s.hypotheses.length} hypotheses, top ${
            s.hypotheses[0]?.category ?? 'none'
          }`,
        async state => {
          // Only after the deterministic ranking, and only beside it.
          if (!deps.enricher) {
            return { modelHypotheses: [], modelUsage: [] as ModelUsage[] };
          }
          const enrichment = await deps.enricher.enrich({
            incidentId: state.incidentId,
            entityRef:
              state.hypotheses[0]?.entityRef ??
              state.group.entityRefs[0] ??
              null,
            group: state.group,
            hypotheses: state.hypotheses,
            now: deps.now(),
          });
          return {
            modelHypotheses: enrichment.hypotheses,
            ...(enrichment.summary ? { summary: enrichment.summary } : {}),
            modelUsage: enrichment.usage,
            enrichmentSkipped: enrichment.skipped,
          };
        },
        output => output.modelUsage,
      ),
    )
    .addNode(
      'planFix',
      timed(
        deps,
        'planFix',
        s => s.hypotheses[0]?.category ?? 'no hypothesis',
        state => ({
          plan: state.hypotheses[0]
            ? planFix(state.hypotheses[0], state.group, state.context)
            : [],
        }),
      ),
      { retryPolicy: retry },
    )
    .addNode(
      'checkPolicy',
      timed(
        deps,
        'checkPolicy',
        s => s.plan.map(p => p.action).join(', '),
        async state => {
          const top = state.hypotheses[0];
          const runtime = await deps.runtime?.(
            state.incidentId,
            top?.entityRef ?? null,
          );
          if (!top) {
            return {
              decision: {
                decision: 'monitor' as const,
                steps: [],
                reasons: ['No root cause could be established: monitor only.'],
                notify: true,
                dryRun: deps.policy.dryRun,
              },
            };
          }
          return {
            decision: decide({
              plan: state.plan,
              hypothesis: top,
              group: state.group,
              entity:
                runtime?.entity ??
                (top.entityRef
                  ? { ref: top.entityRef, lifecycle: null, ownerRef: null }
                  : null),
              history: {
                actionsForEntityLastHour:
                  runtime?.actionsForEntityLastHour ?? 0,
                attemptsForIncident: runtime?.attemptsForIncident ?? 0,
              },
              killSwitch: runtime?.killSwitch ?? {
                global: false,
                entityRefs: [],
              },
              now: deps.now(),
              config: deps.policy,
            }),
          };
        },
      ),
    )
    .addNode(
      'record',
      async (state: State) => {
        await deps.sink?.analysed(state);
        return {};
      },
      { retryPolicy: retry },
    )
    .addNode('askHuman', state => {
      // Nothing before the interrupt has side effects: this node reruns on resume.
      const answer = interrupt<
        { plan: PlanStep[]; decision: PolicyDecision | undefined },
        ApprovalAnswer
      >({ plan: state.plan, decision: state.decision });
      const { plan, ...approval } = answer;
      return {
        approval: { ...approval, ...(plan ? { adjusted: true } : {}) },
        ...(plan && answer.approved ? { plan } : {}),
      };
    })
    .addNode(
      'execute',
      timed(
        deps,
        'execute',
        s => s.plan.map(p => p.action).join(', '),
        async state => {
          if (!deps.executor) {
            return {
              execution: {
                status: 'skipped',
                details: 'no executor is configured',
              },
            };
          }
          const result = await deps.executor.execute(
            state.incidentId,
            state.plan,
            {
              dryRun: state.decision?.dryRun ?? false,
              cluster: state.group.signals[0]?.cluster ?? '',
              requestedBy: state.approval?.approved
                ? state.approval.by
                : 'policy',
            },
          );
          return { execution: result };
        },
      ),
    )
    .addNode(
      'recordExecution',
      async (state: State) => {
        await deps.sink?.executed(state);
        return {};
      },
      { retryPolicy: retry },
    )
    .addEdge(START, 'detect')
    .addConditionalEdges(
      'detect',
      state => (state.outcome === 'incident' ? 'open' : END),
      ['open', END],
    )
    .addEdge('open', 'rootCause')
    .addEdge('rootCause', 'enrich')
    .addEdge('enrich', 'planFix')
    .addEdge('planFix', 'checkPolicy')
    .addEdge('checkPolicy', 'record')
    .addConditionalEdges(
      'record',
      state => {
        switch (state.decision?.decision) {
          case 'auto-execute':
            return 'execute';
          case 'ask-human':
            return 'askHuman';
          default:
            return END;
        }
      },
      ['execute', 'askHuman', END],
    )
    .addConditionalEdges(
      'askHuman',
      state => (state.approval?.approved ? 'execute' : END),
      ['execute', END],
    )
    .addEdge('execute', 'recordExecution')
    .addEdge('recordExecution', END)
    .compile({ checkpointer });
}

/** Every invocation has a recursion limit and the incident as its thread. */
export function threadConfig(incidentId: string) {
  return { configurable: { thread_id: incidentId }, recursionLimit: 25 };
}
