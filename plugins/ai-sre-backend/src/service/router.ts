import {
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import {
  AuthorizeResult,
  PermissionCondition,
  PermissionCriteria,
} from '@backstage/plugin-permission-common';
import {
  aiSreIncidentReadPermission,
  IncidentAnalysis,
  IncidentDetails,
  listIncidentsQuerySchema,
  TimelineEntry,
  ListIncidentsResponse,
  listSignalsQuerySchema,
} from '@internal/plugin-ai-sre-common';
import { timingSafeEqual } from 'node:crypto';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { DetectorInfo } from '../registry/DetectorRegistry';
import { FilterTarget } from '../permissions/rules';
import { IncidentQueryFilter, IncidentStore } from '../store/IncidentStore';
import { SIGNAL_ENTITIES_TABLE, SignalStore } from '../store/SignalStore';
import {
  alertmanagerPayloadSchema,
  alertsToSignals,
} from '../telemetry/alertmanager';
import type { Signal } from '@internal/plugin-ai-sre-common';
import { postmortemMarkdown } from '../control/postmortem';
import { reliabilityMetrics } from '../control/metrics';
import { addControlRoutes, ControlRouteOptions } from './controlRoutes';

const DEFAULT_PAGE_SIZE = 50;

const metricsQuerySchema = z.strictObject({
  groupBy: z.enum(['entity', 'owner', 'detector']).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

export interface RouterOptions {
  logger: LoggerService;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  incidents: IncidentStore;
  /** Turns a conditional decision into a filter for the incident query. */
  incidentConditionFilter: (
    conditions: PermissionCriteria<PermissionCondition>,
    target?: FilterTarget,
  ) => IncidentQueryFilter;
  detectors: () => DetectorInfo[];
  signals: SignalStore;
  /** Per-cluster connection health. */
  clusters: () => unknown[];
  /** The inferred service dependency graph. */
  dependencies: () => Promise<unknown[]>;
  /** Records signals that arrive from outside (Alertmanager). */
  ingest: (signals: Signal[]) => Promise<void>;
  /** The shared secret Alertmanager sends; the route is closed without one. */
  alertmanagerSecret?: string;
  now: () => number;
  /** The control routes (acting on incidents, plans, executions); absent in read-only setups. */
  control?: Omit<ControlRouteOptions, 'httpAuth' | 'permissions' | 'incidents'>;
}

const SIGNAL_FILTER_TARGET: FilterTarget = {
  entitiesTable: SIGNAL_ENTITIES_TABLE,
  idColumn: 'signal_id',
};

function secretMatches(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const asArray = <T>(value: T | T[] | undefined): T[] | undefined =>
  value === undefined ? undefined : ([] as T[]).concat(value);

function formatZodError(error: z.ZodError): string {
  return error.issues
    .map(issue =>
      issue.path.length
        ? `${issue.path.join('.')}: ${issue.message}`
        : issue.message,
    )
    .join('; ');
}

export function parseQuery<T extends z.ZodType>(
  schema: T,
  input: unknown,
  what: string,
): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new InputError(`Invalid ${what}: ${formatZodError(parsed.error)}`);
  }
  return parsed.data;
}

export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { httpAuth, permissions, incidents } = options;
  const router = Router();
  router.use(express.json());

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  /** Authorizes reading incidents and signals; undefined when allowed to read all. */
  async function readFilter(req: express.Request, target?: FilterTarget) {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const [decision] = await permissions.authorizeConditional(
      [{ permission: aiSreIncidentReadPermission }],
      { credentials },
    );
    if (decision.result === AuthorizeResult.DENY) {
      throw new NotAllowedError();
    }
    return decision.result === AuthorizeResult.CONDITIONAL
      ? options.incidentConditionFilter(decision.conditions, target)
      : undefined;
  }

  router.get('/incidents', async (req, res) => {
    const query = parseQuery(
      listIncidentsQuerySchema,
      req.query,
      'incident query',
    );
    const body: ListIncidentsResponse = await incidents.list({
      entityRefs: asArray(query.entityRef),
      statuses: asArray(query.status),
      severities: asArray(query.severity),
      ownerRefs: asArray(query.owner),
      systemRefs: asArray(query.system),
      namespaces: asArray(query.namespace),
      clusters: asArray(query.cluster),
      categories: asArray(query.category),
      from: query.from ? Date.parse(query.from) : undefined,
      to: query.to ? Date.parse(query.to) : undefined,
      text: query.q,
      limit: query.limit ?? DEFAULT_PAGE_SIZE,
      cursor: query.cursor,
      filter: await readFilter(req),
    });
    res.json(body);
  });

  /** One incident with its analysis, trace and executions, after a read check. */
  async function details(req: express.Request): Promise<IncidentDetails> {
    const id = req.params.id;
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const [decision] = await permissions.authorize(
      [{ permission: aiSreIncidentReadPermission, resourceRef: id }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError();
    }
    const work = await incidents.getWork(id);
    if (!work) {
      throw new NotFoundError(`No incident with id ${id}`);
    }
    const analysis = work.analysis as Partial<IncidentAnalysis>;
    const incident = work.incident;
    const [trace, executions, signals, audit] = await Promise.all([
      incidents.listTraces(id),
      options.control
        ? options.control.executions.listForIncident(id)
        : Promise.resolve([]),
      options.signals.byFingerprints(work.fingerprints),
      options.control
        ? options.control.controlStore.listAudit({ incidentId: id, limit: 500 })
        : Promise.resolve([]),
    ]);
    const from = Date.parse(incident.startedAt) - 3600_000;
    const until = incident.resolvedAt
      ? Date.parse(incident.resolvedAt)
      : options.now();
    const entities = new Set(
      [incident.entityRef, ...incident.impactedEntityRefs].filter(
        (e): e is string => !!e,
      ),
    );
    const changes = (
      await options.signals.listChanges({
        cluster: incident.cluster,
        since: from,
        until,
        limit: 500,
      })
    ).filter(c =>
      c.entityRefs.some(e => entities.has(e.toLocaleLowerCase('en-US'))),
    );
    const timeline: TimelineEntry[] = [
      ...signals.map(sig => ({
        at: sig.firstSeen,
        kind: 'signal' as const,
        title: `${sig.detector}: ${sig.message}`,
        ref: sig.id,
      })),
      ...changes.map(c => ({
        at: c.at,
        kind: 'change' as const,
        title: c.summary,
        ref: c.id,
      })),
      {
        at: incident.openedAt,
        kind: 'status' as const,
        title: 'Incident opened',
      },
      ...trace.map(t => ({
        at: t.at,
        kind: 'agent' as const,
        title: `${t.node} (${t.durationMs} ms): ${t.input}`,
      })),
      ...audit.map(a => ({
        at: a.at,
        kind: 'audit' as const,
        title: `${a.actor}: ${a.action} (${a.outcome})`,
        ref: String(a.id),
      })),
      ...executions.map(e => ({
        at: e.startedAt,
        kind: 'execution' as const,
        title: `Execution ${e.status}: ${e.details}`,
        ref: e.id,
      })),
      ...(incident.acknowledgedAt
        ? [
            {
              at: incident.acknowledgedAt,
              kind: 'status' as const,
              title: 'Acknowledged',
            },
          ]
        : []),
      ...(incident.resolvedAt
        ? [
            {
              at: incident.resolvedAt,
              kind: 'status' as const,
              title: `Closed as ${incident.status}`,
            },
          ]
        : []),
    ].sort((a, b) => a.at.localeCompare(b.at));
    return {
      incident,
      analysis: {
        hypotheses: analysis.hypotheses ?? [],
        modelHypotheses: analysis.modelHypotheses ?? [],
        plan: analysis.plan ?? [],
        ...(analysis.summary ? { summary: analysis.summary } : {}),
        ...(analysis.decision ? { decision: analysis.decision } : {}),
        ...(analysis.approval ? { approval: analysis.approval } : {}),
        ...(analysis.execution ? { execution: analysis.execution } : {}),
        ...(analysis.preview ? { preview: analysis.preview } : {}),
        ...(analysis.pendingAdjustment
          ? { pendingAdjustment: analysis.pendingAdjustment }
          : {}),
        ...(analysis.verification
          ? { verification: analysis.verification }
          : {}),
      },
      workflow: work.threadState,
      trace,
      executions,
      signals,
      changes,
      timeline,
    };
  }

  router.get('/incidents/:id', async (req, res) => {
    res.json(await details(req));
  });

  router.get('/incidents/:id/postmortem', async (req, res) => {
    const body = await details(req);
    const audit = options.control
      ? await options.control.controlStore.listAudit({
          incidentId: body.incident.id,
          limit: 500,
        })
      : [];
    res
      .type('text/markdown; charset=utf-8')
      .set(
        'content-disposition',
        `attachment; filename="postmortem-${body.incident.id}.md"`,
      )
      .send(postmortemMarkdown(body, body.executions ?? [], audit));
  });

  if (options.control) {
    addControlRoutes(router, {
      httpAuth,
      permissions,
      incidents,
      ...options.control,
    });
  }

  router.get('/metrics', async (req, res) => {
    const query = parseQuery(metricsQuerySchema, req.query, 'metrics query');
    const filter = await readFilter(req);
    const to = query.to ? Date.parse(query.to) : options.now();
    const from = query.from ? Date.parse(query.from) : to - 30 * 86_400_000;
    const works = await incidents.listWork({ from, to, filter, limit: 20_000 });
    const detectors = await options.signals.detectorsOf([
      ...new Set(works.flatMap(w => w.fingerprints)),
    ]);
    const executions = options.control
      ? await options.control.executions.statusesFor(
          works.map(w => w.incident.id),
        )
      : new Map<string, Array<{ status: string }>>();
    res.json({
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      groupBy: query.groupBy ?? 'entity',
      items: reliabilityMetrics(
        works.map(w => ({
          incident: w.incident,
          detectors: w.fingerprints
            .map(f => detectors.get(f))
            .filter((d): d is string => !!d),
          executions: executions.get(w.incident.id) ?? [],
        })),
        query.groupBy ?? 'entity',
      ),
    });
  });

  router.get('/signals', async (req, res) => {
    const query = parseQuery(listSignalsQuerySchema, req.query, 'signal query');
    const filter = await readFilter(req, SIGNAL_FILTER_TARGET);
    res.json(
      await options.signals.list({
        statuses: asArray(query.status),
        entityRefs: asArray(query.entityRef),
        detectors: asArray(query.detector),
        cluster: query.cluster,
        since: query.since ? Date.parse(query.since) : undefined,
        limit: query.limit ?? DEFAULT_PAGE_SIZE,
        cursor: query.cursor,
        filter,
      }),
    );
  });

  router.get('/clusters', async (req, res) => {
    const filter = await readFilter(req);
    if (filter) {
      // Cluster health is not scoped to entities: only full readers see it.
      throw new NotAllowedError(
        'Cluster health needs unconditional read access',
      );
    }
    res.json({ items: options.clusters() });
  });

  router.get('/dependencies', async (req, res) => {
    const filter = await readFilter(req);
    if (filter) {
      throw new NotAllowedError(
        'The dependency graph needs unconditional read access',
      );
    }
    res.json({ items: await options.dependencies() });
  });

  router.post('/alerts/alertmanager', async (req, res) => {
    const secret = options.alertmanagerSecret;
    if (!secret) {
      throw new NotAllowedError(
        'The Alertmanager intake is closed: set aiSre.alertmanager.sharedSecret',
      );
    }
    const header = req.header('authorization') ?? '';
    const token = /^Bearer\s+(.+)$/i.exec(header)?.[1];
    if (!secretMatches(token, secret)) {
      throw new NotAllowedError('Wrong or missing Alertmanager shared secret');
    }
    const payload = parseQuery(
      alertmanagerPayloadSchema,
      req.body,
      'Alertmanager webhook payload',
    );
    const signals = alertsToSignals(payload, options.now());
    await options.ingest(signals);
    res.status(202).json({ accepted: signals.length });
  });

  router.get('/detectors', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    res.json({ items: options.detectors() });
  });

  return router;
}
