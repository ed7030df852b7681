/**
 * The control routes: acting on incidents, deciding plans, rolling back
 * executions, kill-switches and the effective policy. Every route
 * authenticates a user, authorizes through Backstage permissions (plan
 * approval and execution as resource permissions on the incident's catalog
 * entity), validates its body with zod (400 naming the problem), and
 * answers 404 for unknown ids and 409 for a state that no longer allows
 * the action.
 */
import type {
  BackstageCredentials,
  BackstageUserPrincipal,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError, NotFoundError } from '@backstage/errors';
import {
  AuthorizeResult,
  BasicPermission,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  aiSreExecutionPermission,
  aiSreIncidentReadPermission,
  aiSreIncidentUpdatePermission,
  aiSrePlanApprovePermission,
  aiSrePolicyManagePermission,
} from '@internal/plugin-ai-sre-common';
import type express from 'express';
import { z } from 'zod';
import type { ControlService } from '../control/ControlService';
import type { PolicyConfig } from '../policy';
import type { ControlStore } from '../store/ControlStore';
import type { ExecutionStore } from '../store/ExecutionStore';
import type { IncidentStore } from '../store/IncidentStore';
import { parseQuery } from './router';

export interface ControlRouteOptions {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  incidents: IncidentStore;
  executions: ExecutionStore;
  controlStore: ControlStore;
  control: ControlService;
  policy: PolicyConfig;
}

const comment = z.string().trim().max(2000);
const approvalBody = z.strictObject({
  approve: z.boolean(),
  comment: comment.optional(),
  /** Parameter changes to plan steps (by index), within policy. */
  adjustments: z
    .array(
      z.strictObject({
        step: z.number().int().min(0),
        params: z.record(
          z.string().min(1),
          z.union([z.string().max(200), z.number(), z.boolean()]),
        ),
      }),
    )
    .max(20)
    .optional(),
});
const resolveBody = z.strictObject({ comment: comment.optional() });
const falsePositiveBody = z.strictObject({ reason: comment.min(1) });
const killSwitchBody = z.strictObject({
  enabled: z.boolean(),
  entityRef: z.string().min(1).max(255).optional(),
  reason: comment.optional(),
});
const emptyBody = z.strictObject({});

export function addControlRoutes(
  router: express.Router,
  options: ControlRouteOptions,
) {
  const { httpAuth, permissions, incidents } = options;

  async function user(req: express.Request) {
    return httpAuth.credentials(req, { allow: ['user'] });
  }
  const actor = (credentials: BackstageCredentials<BackstageUserPrincipal>) =>
    credentials.principal.userEntityRef;

  async function allowed(
    credentials: BackstageCredentials,
    permission: BasicPermission | ResourcePermission,
    resourceRef?: string,
  ) {
    const [decision] = await permissions.authorize(
      [
        resourceRef && permission.type === 'resource'
          ? { permission, resourceRef }
          : { permission: permission as BasicPermission },
      ],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `Not allowed: ${permission.name}${
          resourceRef ? ` on ${resourceRef}` : ''
        }`,
      );
    }
  }

  /** Authorizes an action on the incident, then returns it (404 if unknown). */
  async function incidentFor(
    req: express.Request,
    credentials: BackstageCredentials,
    permission: typeof aiSreIncidentUpdatePermission,
  ) {
    await allowed(credentials, permission, req.params.id);
    const incident = await incidents.get(req.params.id);
    if (!incident)
      throw new NotFoundError(`No incident with id ${req.params.id}`);
    return incident;
  }

  router.post('/incidents/:id/acknowledge', async (req, res) => {
    const credentials = await user(req);
    parseQuery(emptyBody, req.body ?? {}, 'request body');
    await incidentFor(req, credentials, aiSreIncidentUpdatePermission);
    res.json(
      await options.control.acknowledge(req.params.id, actor(credentials)),
    );
  });

  router.post('/incidents/:id/resolve', async (req, res) => {
    const credentials = await user(req);
    const body = parseQuery(resolveBody, req.body ?? {}, 'request body');
    await incidentFor(req, credentials, aiSreIncidentUpdatePermission);
    res.json(
      await options.control.resolve(
        req.params.id,
        actor(credentials),
        body.comment,
      ),
    );
  });

  router.post('/incidents/:id/false-positive', async (req, res) => {
    const credentials = await user(req);
    const body = parseQuery(falsePositiveBody, req.body ?? {}, 'request body');
    await incidentFor(req, credentials, aiSreIncidentUpdatePermission);
    res.json(
      await options.control.markFalsePositive(
        req.params.id,
        actor(credentials),
        body.reason,
      ),
    );
  });

  router.post('/incidents/:id/approval', async (req, res) => {
    const credentials = await user(req);
    const body = parseQuery(approvalBody, req.body ?? {}, 'request body');
    const incident = await incidentFor(
      req,
      credentials,
      aiSreIncidentReadPermission,
    );
    // Deciding a plan is a permission on the entity the plan changes: a
    // policy can say "only the owning group approves".
    await allowed(
      credentials,
      aiSrePlanApprovePermission,
      incident.entityRef ?? undefined,
    );
    if (body.approve) {
      await allowed(
        credentials,
        aiSreExecutionPermission,
        incident.entityRef ?? undefined,
      );
    }
    const { waitingForSecondApprover } = await options.control.decide(
      req.params.id,
      actor(credentials),
      body,
    );
    const work = (await incidents.getWork(req.params.id))!;
    res.json({
      incident: work.incident,
      workflow: work.threadState,
      waitingForSecondApprover,
      execution: (work.analysis as { execution?: unknown }).execution ?? null,
    });
  });

  router.get('/incidents/:id/audit', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    await incidentFor(req, credentials, aiSreIncidentReadPermission);
    res.json({
      items: await options.controlStore.listAudit({
        incidentId: req.params.id,
        limit: 500,
      }),
    });
  });

  router.post('/executions/:id/rollback', async (req, res) => {
    const credentials = await user(req);
    parseQuery(emptyBody, req.body ?? {}, 'request body');
    const execution = await options.executions.get(req.params.id);
    if (!execution) {
      throw new NotFoundError(`No execution with id ${req.params.id}`);
    }
    const incident = await incidents.get(execution.incidentId);
    await allowed(
      credentials,
      aiSreExecutionPermission,
      incident?.entityRef ?? undefined,
    );
    await options.control.rollbackExecution(req.params.id, actor(credentials));
    res.json(await options.executions.get(req.params.id));
  });

  router.get('/kill-switch', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    await allowed(credentials, aiSreIncidentReadPermission);
    res.json(await options.control.killSwitches());
  });

  router.put('/kill-switch', async (req, res) => {
    const credentials = await user(req);
    const body = parseQuery(killSwitchBody, req.body ?? {}, 'request body');
    await allowed(credentials, aiSrePolicyManagePermission);
    res.json(
      await options.control.setKillSwitch({
        ...body,
        actor: actor(credentials),
      }),
    );
  });

  router.get('/policy', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    await allowed(credentials, aiSreIncidentReadPermission);
    res.json({
      policy: options.policy,
      killSwitches: await options.control.killSwitches(),
    });
  });
}
