export { aiSreApiRef } from './AiSreApi';
export type {
  AiSreApi,
  AuditEntry,
  ClusterHealth,
  KillSwitches,
  MetricsGroupBy,
  MetricsResponse,
  MetricsRow,
  PlanAdjustment,
  ListIncidentsRequest,
  ListSignalsRequest,
  ListSignalsResponse,
  PlanDecisionRequest,
  PlanDecisionResponse,
} from './AiSreApi';
export { AiSreClient } from './AiSreClient';
