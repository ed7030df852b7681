import { createApiRef } from '@backstage/core-plugin-api';
import {
  IncidentSeverity,
  IncidentStatus,
  ListIncidentsResponse,
  Signal,
} from '@internal/plugin-ai-sre-common';

/** @public */
export interface ListIncidentsRequest {
  entityRef?: string;
  status?: IncidentStatus[];
  severity?: IncidentSeverity[];
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
 * Client of the AI SRE backend (`/api/ai-sre`).
 *
 * @public
 */
export interface AiSreApi {
  listIncidents(request: ListIncidentsRequest): Promise<ListIncidentsResponse>;
  listSignals(request: ListSignalsRequest): Promise<ListSignalsResponse>;
}

/** @public */
export const aiSreApiRef = createApiRef<AiSreApi>({
  id: 'plugin.ai-sre.service',
});
