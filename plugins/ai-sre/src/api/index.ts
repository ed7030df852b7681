export { aiSreApiRef } from './AiSreApi';
export type {
  AiSreApi,
  AuditEntry,
  ListIncidentsRequest,
  ListSignalsRequest,
  ListSignalsResponse,
  PlanDecisionRequest,
  PlanDecisionResponse,
} from './AiSreApi';
export { AiSreClient } from './AiSreClient';
