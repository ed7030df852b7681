import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import { ListIncidentsResponse } from '@internal/plugin-ai-sre-common';
import {
  AiSreApi,
  ListIncidentsRequest,
  ListSignalsRequest,
  ListSignalsResponse,
} from './AiSreApi';

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
    if (request.entityRef) params.append('entityRef', request.entityRef);
    for (const status of request.status ?? []) params.append('status', status);
    for (const severity of request.severity ?? []) {
      params.append('severity', severity);
    }
    if (request.limit) params.append('limit', String(request.limit));
    if (request.cursor) params.append('cursor', request.cursor);
    return this.get(`/incidents?${params}`);
  }

  async listSignals(request: ListSignalsRequest): Promise<ListSignalsResponse> {
    const params = new URLSearchParams();
    if (request.entityRef) params.append('entityRef', request.entityRef);
    for (const status of request.status ?? []) params.append('status', status);
    if (request.limit) params.append('limit', String(request.limit));
    return this.get(`/signals?${params}`);
  }

  private async get<T>(path: string): Promise<T> {
    const baseUrl = await this.discoveryApi.getBaseUrl('ai-sre');
    const response = await this.fetchApi.fetch(`${baseUrl}${path}`);
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as T;
  }
}
