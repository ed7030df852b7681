import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  ExecutionSummary,
  Incident,
  IncidentDetails,
  ListIncidentsResponse,
} from '@internal/plugin-ai-sre-common';
import {
  AiSreApi,
  AuditEntry,
  ClusterHealth,
  KillSwitches,
  ListIncidentsRequest,
  MetricsGroupBy,
  MetricsResponse,
  ListSignalsRequest,
  ListSignalsResponse,
  PlanDecisionRequest,
  PlanDecisionResponse,
} from './AiSreApi';

function appendAll(
  params: URLSearchParams,
  key: string,
  values: string | string[] | undefined,
) {
  for (const value of ([] as string[]).concat(values ?? [])) {
    if (value) params.append(key, value);
  }
}

/** @public */
export class AiSreClient implements AiSreApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  async listIncidents(
    request: ListIncidentsRequest,
  ): Promise<ListIncidentsResponse> {
    const params = new URLSearchParams();
    appendAll(params, 'entityRef', request.entityRef);
    appendAll(params, 'owner', request.owner);
    appendAll(params, 'system', request.system);
    appendAll(params, 'namespace', request.namespace);
    appendAll(params, 'cluster', request.cluster);
    appendAll(params, 'status', request.status);
    appendAll(params, 'severity', request.severity);
    appendAll(params, 'category', request.category);
    appendAll(params, 'from', request.from);
    appendAll(params, 'to', request.to);
    appendAll(params, 'q', request.q?.trim());
    if (request.limit) params.append('limit', String(request.limit));
    appendAll(params, 'cursor', request.cursor);
    return this.request(`/incidents?${params}`);
  }

  async getIncident(id: string): Promise<IncidentDetails> {
    return this.request(`/incidents/${encodeURIComponent(id)}`);
  }

  async getAudit(id: string): Promise<{ items: AuditEntry[] }> {
    return this.request(`/incidents/${encodeURIComponent(id)}/audit`);
  }

  async getPostmortem(id: string): Promise<string> {
    const response = await this.fetch(
      `/incidents/${encodeURIComponent(id)}/postmortem`,
    );
    return response.text();
  }

  async acknowledge(id: string): Promise<Incident> {
    return this.request(`/incidents/${encodeURIComponent(id)}/acknowledge`, {
      method: 'POST',
      body: {},
    });
  }

  async resolve(id: string, options: { comment?: string } = {}) {
    return this.request<Incident>(
      `/incidents/${encodeURIComponent(id)}/resolve`,
      {
        method: 'POST',
        body: options.comment ? { comment: options.comment } : {},
      },
    );
  }

  async markFalsePositive(id: string, options: { reason: string }) {
    return this.request<Incident>(
      `/incidents/${encodeURIComponent(id)}/false-positive`,
      { method: 'POST', body: { reason: options.reason } },
    );
  }

  async decidePlan(
    id: string,
    decision: PlanDecisionRequest,
  ): Promise<PlanDecisionResponse> {
    const comment = decision.comment?.trim();
    return this.request(`/incidents/${encodeURIComponent(id)}/approval`, {
      method: 'POST',
      body: {
        approve: decision.approve,
        ...(comment ? { comment } : {}),
        ...(decision.adjustments?.length
          ? { adjustments: decision.adjustments }
          : {}),
      },
    });
  }

  async rollbackExecution(executionId: string): Promise<ExecutionSummary> {
    return this.request(
      `/executions/${encodeURIComponent(executionId)}/rollback`,
      { method: 'POST', body: {} },
    );
  }

  async listSignals(request: ListSignalsRequest): Promise<ListSignalsResponse> {
    const params = new URLSearchParams();
    appendAll(params, 'entityRef', request.entityRef);
    appendAll(params, 'status', request.status);
    if (request.limit) params.append('limit', String(request.limit));
    return this.request(`/signals?${params}`);
  }

  async getMetrics(request: {
    groupBy: MetricsGroupBy;
    from?: string;
    to?: string;
  }): Promise<MetricsResponse> {
    const params = new URLSearchParams({ groupBy: request.groupBy });
    appendAll(params, 'from', request.from);
    appendAll(params, 'to', request.to);
    return this.request(`/metrics?${params}`);
  }

  async getKillSwitches(): Promise<KillSwitches> {
    return this.request('/kill-switch');
  }

  async setKillSwitch(request: {
    enabled: boolean;
    entityRef?: string;
    reason?: string;
  }): Promise<KillSwitches> {
    const reason = request.reason?.trim();
    return this.request('/kill-switch', {
      method: 'PUT',
      body: {
        enabled: request.enabled,
        ...(request.entityRef ? { entityRef: request.entityRef } : {}),
        ...(reason ? { reason } : {}),
      },
    });
  }

  async listClusters(): Promise<{ items: ClusterHealth[] }> {
    return this.request('/clusters');
  }

  private async fetch(
    path: string,
    options: { method?: string; body?: unknown } = {},
  ): Promise<Response> {
    const baseUrl = await this.discoveryApi.getBaseUrl('ai-sre');
    const response = await this.fetchApi.fetch(`${baseUrl}${path}`, {
      method: options.method ?? 'GET',
      ...(options.body !== undefined
        ? {
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify(options.body),
          }
        : {}),
    });
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return response;
  }

  private async request<T>(
    path: string,
    options: { method?: string; body?: unknown } = {},
  ): Promise<T> {
    const response = await this.fetch(path, options);
    return (await response.json()) as T;
  }
}
