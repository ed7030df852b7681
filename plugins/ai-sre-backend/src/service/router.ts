import {
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError } from '@backstage/errors';
import {
  AuthorizeResult,
  PermissionCondition,
  PermissionCriteria,
} from '@backstage/plugin-permission-common';
import {
  aiSreIncidentReadPermission,
  listIncidentsQuerySchema,
  ListIncidentsResponse,
} from '@internal/plugin-ai-sre-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { DetectorInfo } from '../registry/DetectorRegistry';
import { IncidentQueryFilter, IncidentStore } from '../store/IncidentStore';

const DEFAULT_PAGE_SIZE = 50;

export interface RouterOptions {
  logger: LoggerService;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  incidents: IncidentStore;
  /** Turns a conditional decision into a filter for the incident query. */
  incidentConditionFilter: (
    conditions: PermissionCriteria<PermissionCondition>,
  ) => IncidentQueryFilter;
  detectors: () => DetectorInfo[];
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

  router.get('/incidents', async (req, res) => {
    const query = parseQuery(
      listIncidentsQuerySchema,
      req.query,
      'incident query',
    );
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
    const page = await incidents.list({
      entityRefs: asArray(query.entityRef),
      statuses: asArray(query.status),
      severities: asArray(query.severity),
      limit: query.limit ?? DEFAULT_PAGE_SIZE,
      cursor: query.cursor,
      filter:
        decision.result === AuthorizeResult.CONDITIONAL
          ? options.incidentConditionFilter(decision.conditions)
          : undefined,
    });
    const body: ListIncidentsResponse = page;
    res.json(body);
  });

  router.get('/detectors', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    res.json({ items: options.detectors() });
  });

  return router;
}
