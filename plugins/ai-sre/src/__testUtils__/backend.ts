import {
  Incident,
  IncidentDetails,
  Signal,
} from '@internal/plugin-ai-sre-common';
import { http, HttpResponse } from 'msw';
import { SetupServer } from 'msw/node';
import { AuditEntry, ClusterHealth, KillSwitches, MetricsRow } from '../api';
import { baseUrl } from './render';

/** A request the mocked backend got, with its parsed JSON body. */
export interface RecordedRequest {
  method: string;
  url: URL;
  body?: any;
}

/** What the mocked backend serves; tests change it between requests. */
export interface BackendState {
  incidents: Incident[] | 'forbidden';
  nextCursor?: string;
  details: Record<string, IncidentDetails>;
  signals: Signal[];
  audit: AuditEntry[];
  /** Status and body the POST routes answer; default 200 with the incident. */
  post?: { status: number; body: unknown };
  /** `GET /metrics` rows per groupBy; none by default. */
  metrics?: Partial<Record<'entity' | 'owner' | 'detector', MetricsRow[]>>;
  /** `GET /kill-switch`; `PUT` applies the change to it. */
  killSwitches?: KillSwitches;
  clusters?: ClusterHealth[] | 'forbidden';
}

function backstageError(status: number, name: string, message: string) {
  return HttpResponse.json(
    { error: { name, message }, response: { statusCode: status } },
    { status },
  );
}

/**
 * Serves `/api/ai-sre` from `state`, recording every request, as the real
 * backend would answer (Backstage error bodies included).
 */
export function mockBackend(server: SetupServer, state: BackendState) {
  const requests: RecordedRequest[] = [];
  const record = async (request: Request) => {
    const entry: RecordedRequest = {
      method: request.method,
      url: new URL(request.url),
    };
    if (request.method !== 'GET') {
      const text = await request.text();
      entry.body = text ? JSON.parse(text) : undefined;
    }
    requests.push(entry);
    return entry;
  };
  const postAnswer = (fallback: unknown) =>
    state.post
      ? HttpResponse.json(state.post.body as any, { status: state.post.status })
      : HttpResponse.json(fallback as any);

  server.use(
    http.get(`${baseUrl}/incidents`, async ({ request }) => {
      await record(request);
      if (state.incidents === 'forbidden') {
        return backstageError(403, 'NotAllowedError', 'Unauthorized');
      }
      const url = new URL(request.url);
      const statuses = url.searchParams.getAll('status');
      const items = state.incidents.filter(
        i => !statuses.length || statuses.includes(i.status),
      );
      return HttpResponse.json({
        items,
        ...(state.nextCursor && !url.searchParams.get('cursor')
          ? { nextCursor: state.nextCursor }
          : {}),
      });
    }),
    http.get(`${baseUrl}/incidents/:id`, async ({ request, params }) => {
      await record(request);
      const found = state.details[params.id as string];
      return found
        ? HttpResponse.json(found)
        : backstageError(
            404,
            'NotFoundError',
            `No incident with id ${params.id}`,
          );
    }),
    http.get(`${baseUrl}/incidents/:id/audit`, async ({ request }) => {
      await record(request);
      return HttpResponse.json({ items: state.audit });
    }),
    http.get(
      `${baseUrl}/incidents/:id/postmortem`,
      async ({ request, params }) => {
        await record(request);
        return new HttpResponse(`# Postmortem of ${params.id}\n`, {
          headers: { 'content-type': 'text/markdown' },
        });
      },
    ),
    http.get(`${baseUrl}/signals`, async ({ request }) => {
      await record(request);
      return HttpResponse.json({ items: state.signals });
    }),
    http.post(
      `${baseUrl}/incidents/:id/:action`,
      async ({ request, params }) => {
        await record(request);
        const found = state.details[params.id as string];
        if (params.action === 'approval') {
          return postAnswer({
            incident: found?.incident,
            workflow: 'done',
            execution: { status: 'succeeded', details: 'rolled back' },
          });
        }
        return postAnswer(found?.incident);
      },
    ),
    http.get(`${baseUrl}/metrics`, async ({ request }) => {
      await record(request);
      const url = new URL(request.url);
      const groupBy = (url.searchParams.get('groupBy') ?? 'entity') as
        | 'entity'
        | 'owner'
        | 'detector';
      return HttpResponse.json({
        from: url.searchParams.get('from') ?? new Date(0).toISOString(),
        to: new Date().toISOString(),
        groupBy,
        items: state.metrics?.[groupBy] ?? [],
      });
    }),
    http.get(`${baseUrl}/kill-switch`, async ({ request }) => {
      await record(request);
      return HttpResponse.json(
        state.killSwitches ?? { global: { enabled: false }, entities: [] },
      );
    }),
    http.put(`${baseUrl}/kill-switch`, async ({ request }) => {
      const { body } = await record(request);
      const current = state.killSwitches ?? {
        global: { enabled: false },
        entities: [],
      };
      const stamp = {
        reason: body.reason,
        updatedBy: 'user:default/test',
        updatedAt: new Date().toISOString(),
      };
      state.killSwitches = body.entityRef
        ? {
            ...current,
            entities: [
              ...current.entities.filter(e => e.entityRef !== body.entityRef),
              ...(body.enabled
                ? [{ entityRef: body.entityRef, ...stamp }]
                : []),
            ],
          }
        : { ...current, global: { enabled: body.enabled, ...stamp } };
      return HttpResponse.json(state.killSwitches);
    }),
    http.get(`${baseUrl}/clusters`, async ({ request }) => {
      await record(request);
      if (state.clusters === 'forbidden') {
        return backstageError(
          403,
          'NotAllowedError',
          'Cluster health needs unconditional read access',
        );
      }
      return HttpResponse.json({ items: state.clusters ?? [] });
    }),
    http.post(`${baseUrl}/executions/:id/rollback`, async ({ request }) => {
      await record(request);
      return postAnswer({});
    }),
  );
  return {
    requests,
    /** Requests to a path (after /api/ai-sre), optionally of one method. */
    to(path: string, method = 'GET') {
      return requests.filter(
        r => r.method === method && r.url.pathname === `/api/ai-sre${path}`,
      );
    },
  };
}
