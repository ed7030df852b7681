import type { Incident } from './incidents';
import type { Change, ObjectRef, Signal } from './signals';
import type { RemediationAction, RootCauseCategory } from './taxonomy';

/**
 * Evidence a hypothesis cites.
 *
 * @public
 */
export interface CitedEvidence {
  signalIds: string[];
  changeIds: string[];
  /** Plain-language facts, each naming where it came from. */
  facts: string[];
}

/**
 * One ranked explanation of an incident.
 *
 * @public
 */
export interface Hypothesis {
  category: RootCauseCategory;
  /** The culprit object, e.g. `Deployment/bookstore/catalog-api`. */
  object: ObjectRef | null;
  /** The entity the incident belongs to (the culprit's, or the most affected). */
  entityRef: string | null;
  /** 0..1 */
  confidence: number;
  summary: string;
  evidence: CitedEvidence;
}

/**
 * One allow-listed step of a fix plan. Plans, never shell commands.
 *
 * @public
 */
export interface PlanStep {
  action: RemediationAction;
  /** The object the action changes (or the entity for notify/monitor). */
  target: ObjectRef | null;
  /** Parameters taken from the evidence, e.g. `{ revision: 6 }`, `{ container, memoryLimit: '512Mi' }`. */
  params: Record<string, string | number | boolean>;
  risk: 'low' | 'medium' | 'high';
  expectedEffect: string;
  /** How success is checked after the action. */
  verification: string;
  /** How to undo it. */
  inverse: string;
}

/**
 * What the deterministic policy decided about a plan, with its reasons.
 *
 * @public
 */
export interface PlanDecision {
  decision: 'auto-execute' | 'ask-human' | 'monitor' | 'refuse';
  steps: Array<Record<string, unknown>>;
  reasons: string[];
  notify: boolean;
  dryRun: boolean;
}

/**
 * The workflow's conclusions about an incident.
 *
 * @public
 */
export interface IncidentAnalysis {
  /** The deterministic ranking, best first. */
  hypotheses: Hypothesis[];
  /** Extra hypotheses from a language model, never ranked above the deterministic ones. */
  modelHypotheses: Hypothesis[];
  /** A model's plain-language summary, when one is configured. */
  summary?: string;
  plan: PlanStep[];
  decision?: PlanDecision;
  approval?: {
    approved: boolean;
    by: string;
    comment?: string;
    adjusted?: boolean;
    adjustedBy?: string;
  };
  execution?: { status: string; details: string; executionId?: string };
  /**
   * The server-side dry-run of the plan made when approval was requested:
   * per step, the operations and what each would change.
   */
  preview?: ExecutionSummary['steps'];
  /** A plan a person adjusted, waiting for a second approver. */
  pendingAdjustment?: { by: string; plan: PlanStep[]; comment?: string };
  /** Whether the executed fix met its post-conditions. */
  verification?: {
    status: 'passed' | 'failed';
    at: number;
    reason: string;
    rolledBack?: boolean;
  };
}

/**
 * One workflow node run, as the agent trace records it.
 *
 * @public
 */
export interface AgentTraceEntry {
  node: string;
  input: string;
  output: string;
  durationMs: number;
  modelUsage?: Array<{
    provider: string;
    model: string;
    inputTokens: number;
    outputTokens: number;
  }>;
  /** ISO 8601. */
  at: string;
}

/**
 * `GET /api/ai-sre/incidents/:id`.
 *
 * @public
 */
export interface IncidentDetails {
  incident: Incident;
  analysis: IncidentAnalysis;
  /** Where the incident's workflow stands. */
  workflow: 'running' | 'awaiting-approval' | 'done';
  trace: AgentTraceEntry[];
  /** Executions of its plans, with dry-run diffs and outcomes. */
  executions?: ExecutionSummary[];
  /** The signals the incident groups (latest state of each). */
  signals?: Signal[];
  /** Changes recorded on its entities around it (rollouts, config edits). */
  changes?: Change[];
  /** Everything that happened, oldest first. */
  timeline?: TimelineEntry[];
}

/**
 * One entry of an incident's timeline.
 *
 * @public
 */
export interface TimelineEntry {
  /** ISO 8601. */
  at: string;
  kind: 'signal' | 'change' | 'agent' | 'audit' | 'execution' | 'status';
  title: string;
  /** The id of the signal, change, audit entry or execution it comes from. */
  ref?: string;
}

/**
 * One execution of a plan, as the API returns it.
 *
 * @public
 */
export interface ExecutionSummary {
  id: string;
  incidentId: string;
  status: 'running' | 'succeeded' | 'failed' | 'dry-run' | 'rolled-back';
  dryRun: boolean;
  requestedBy: string | null;
  steps: Array<{
    action: string;
    status: string;
    error?: string;
    operations: Array<{
      type: string;
      object: { kind: string; namespace?: string; name: string };
      summary: string;
      diff: Array<{ path: string; before: unknown; after: unknown }>;
      status: string;
      error?: string;
    }>;
  }>;
  details: string;
  startedAt: string;
  finishedAt: string | null;
}
