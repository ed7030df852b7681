import { createApiRef } from '@backstage/core-plugin-api';
import {
  IncidentSeverity,
  IncidentStatus,
  ListIncidentsResponse,
} from '@internal/plugin-ai-sre-common';

/** @public */
export interface ListIncidentsRequest {
  entityRef?: string;
  status?: IncidentStatus[];
  severity?: IncidentSeverity[];
  limit?: number;
  cursor?: string;
}

/**
 * Client of the AI SRE backend (`/api/ai-sre`).
 *
 * @public
 */
export interface AiSreApi {
  listIncidents(request: ListIncidentsRequest): Promise<ListIncidentsResponse>;
}

/** @public */
export const aiSreApiRef = createApiRef<AiSreApi>({
  id: 'plugin.ai-sre.service',
});
