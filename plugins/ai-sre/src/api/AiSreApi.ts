import { createApiRef } from '@backstage/core-plugin-api';
import {
  ExecutionSummary,
  Incident,
  IncidentDetails,
  IncidentSeverity,
  IncidentStatus,
  ListIncidentsResponse,
  RootCauseCategory,
  Signal,
} from '@internal/plugin-ai-sre-common';

/**
 * Filters of `GET /incidents`. Every list means "any of"; `from` and `to`
 * are ISO 8601 times bounding when the incident was opened.
 *
 * @public
 */
export interface ListIncidentsRequest {
  entityRef?: string | string[];
  owner?: string[];
  system?: string[];
  namespace?: string[];
  cluster?: string[];
  status?: IncidentStatus[];
  severity?: IncidentSeverity[];
  category?: RootCauseCategory[];
  from?: string;
  to?: string;
  /** Free text over title and summary. */
  q?: string;
  limit?: number;
  cursor?: string;
}

/** @public */
export interface ListSignalsRequest {
  entityRef?: string;
  status?: Array<Signal['status']>;
  limit?: number;
}

/** @public */
export interface ListSignalsResponse {
  items: Signal[];
  nextCursor?: string;
}

/**
 * One line of an incident's audit trail (`GET /incidents/:id/audit`).
 *
 * @public
 */
export interface AuditEntry {
  id: number;
  /** ISO 8601. */
  at: string;
  actor: string;
  action:
    | 'incident.acknowledge'
    | 'incident.resolve'
    | 'incident.false-positive'
    | 'plan.approve'
    | 'plan.reject'
    | 'plan.execute'
    | 'execution.rollback'
    | 'kill-switch.set';
  incidentId: string | null;
  entityRef: string | null;
  executionId: string | null;
  outcome: 'succeeded' | 'failed' | 'refused';
  details: Record<string, unknown>;
}

/**
 * A person's decision about an incident's pending fix plan.
 *
 * @public
 */
export interface PlanDecisionRequest {
  approve: boolean;
  comment?: string;
  /**
   * Changed parameters of plan steps (by index): only parameters a step
   * already has, of the same type. The backend re-checks the policy.
   */
  adjustments?: PlanAdjustment[];
}

/** @public */
export interface PlanAdjustment {
  step: number;
  params: Record<string, string | number | boolean>;
}

/** @public */
export type MetricsGroupBy = 'entity' | 'owner' | 'detector';

/** One group of `GET /metrics`. Times are in seconds. @public */
export interface MetricsRow {
  key: string;
  incidents: number;
  falsePositives: number;
  falsePositiveRate: number;
  mttdSeconds: number | null;
  mttaSeconds: number | null;
  mttrSeconds: number | null;
  executions: { succeeded: number; rolledBack: number; failed: number };
}

/** @public */
export interface MetricsResponse {
  from: string;
  to: string;
  groupBy: MetricsGroupBy;
  items: MetricsRow[];
}

/** What `GET /kill-switch` answers. @public */
export interface KillSwitches {
  global: {
    enabled: boolean;
    /** Turned on in the app config (cannot be turned off here). */
    configured?: boolean;
    reason?: string;
    updatedBy?: string | null;
    updatedAt?: string | null;
  };
  entities: Array<{
    entityRef: string;
    reason?: string;
    updatedBy?: string;
    updatedAt?: string | null;
  }>;
}

/** One cluster of `GET /clusters`. @public */
export interface ClusterHealth {
  name: string;
  source?: string;
  watchable?: boolean;
  reason?: string | null;
  watchedHere?: boolean;
  metrics?: string;
  status?: {
    synced: boolean;
    watches: number;
    apiRequests?: number;
    lastEventAt: string | null;
    errors: number;
    relists?: number;
    activeSignals?: number;
    signalsOpened?: number;
  };
}

/**
 * What `POST /incidents/:id/approval` answers.
 *
 * @public
 */
export interface PlanDecisionResponse {
  incident: Incident;
  workflow: IncidentDetails['workflow'];
  /** Set when policy wants a second person to approve an adjusted plan. */
  waitingForSecondApprover?: boolean;
  execution: { status: string; details: string } | null;
}

/**
 * Client of the AI SRE backend (`/api/ai-sre`).
 *
 * @public
 */
export interface AiSreApi {
  listIncidents(request: ListIncidentsRequest): Promise<ListIncidentsResponse>;
  getIncident(id: string): Promise<IncidentDetails>;
  getAudit(id: string): Promise<{ items: AuditEntry[] }>;
  /** The postmortem of an incident, as Markdown. */
  getPostmortem(id: string): Promise<string>;
  acknowledge(id: string): Promise<Incident>;
  resolve(id: string, options?: { comment?: string }): Promise<Incident>;
  markFalsePositive(id: string, options: { reason: string }): Promise<Incident>;
  decidePlan(
    id: string,
    decision: PlanDecisionRequest,
  ): Promise<PlanDecisionResponse>;
  rollbackExecution(executionId: string): Promise<ExecutionSummary>;
  listSignals(request: ListSignalsRequest): Promise<ListSignalsResponse>;
  getMetrics(request: {
    groupBy: MetricsGroupBy;
    from?: string;
    to?: string;
  }): Promise<MetricsResponse>;
  getKillSwitches(): Promise<KillSwitches>;
  setKillSwitch(request: {
    enabled: boolean;
    entityRef?: string;
    reason?: string;
  }): Promise<KillSwitches>;
  listClusters(): Promise<{ items: ClusterHealth[] }>;
}

/** @public */
export const aiSreApiRef = createApiRef<AiSreApi>({
  id: 'plugin.ai-sre.service',
});
