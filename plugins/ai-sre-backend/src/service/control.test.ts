import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  aiSreExecutionPermission,
  aiSrePlanApprovePermission,
} from '@internal/plugin-ai-sre-common';
import { Knex } from 'knex';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import request from 'supertest';
import { aiSrePlugin } from '../plugin';
import { defaultPolicyConfig } from '../policy';
import { IncidentEngine } from '../reasoning/IncidentEngine';
import { CASES } from '../reasoning/rules/cases';
import { createStores } from '../store';
import { KnexCheckpointSaver } from '../store/checkpoint';
import { createTestDatabases } from '../__testUtils__/databases';

const { databases } = createTestDatabases();
jest.setTimeout(60_000);

const OWNER = 'user:default/owner';
const STRANGER = 'user:default/stranger';

/** Opens a bad-deploy incident whose plan waits for approval. */
async function seedIncident(knex: Knex): Promise<string> {
  const stores = await createStores(mockServices.database({ knex }));
  const badDeploy = CASES.find(c => c.category === 'bad-deploy')!;
  const { group, context } = badDeploy.build();
  const engine = new IncidentEngine({
    incidents: stores.incidents,
    checkpointer: new KnexCheckpointSaver(knex),
    policy: defaultPolicyConfig(),
    clock: { now: () => context.now },
    logger: mockServices.logger.mock(),
  });
  await engine.evaluate('prod', group.signals, context);
  const [incident] = (await stores.incidents.list({ limit: 1 })).items;
  return incident.id;
}

/**
 * Owners may approve and execute on their entity; everything else that is
 * a resource permission on an entity is denied; the rest is allowed.
 */
const ownershipPermissions = mockServices.permissions.mock({
  authorize: async (requests: any[], options: any) =>
    requests.map(r => {
      const user = options?.credentials?.principal?.userEntityRef;
      const entityScoped = [
        aiSrePlanApprovePermission.name,
        aiSreExecutionPermission.name,
      ].includes(r.permission.name);
      if (!entityScoped) return { result: AuthorizeResult.ALLOW };
      return {
        result:
          user === OWNER && r.resourceRef === 'component:default/catalog-api'
            ? AuthorizeResult.ALLOW
            : AuthorizeResult.DENY,
      };
    }),
  authorizeConditional: async (requests: any[]) =>
    requests.map(() => ({ result: AuthorizeResult.ALLOW })),
} as any);

async function start(permissions: any, extra: any[] = []) {
  const knex = await databases.init('SQLITE_3');
  const backend = await startTestBackend({
    features: [
      aiSrePlugin,
      mockServices.database.factory({ knex }),
      mockServices.rootConfig.factory({ data: {} }),
      permissions,
      ...extra,
    ],
  });
  const id = await seedIncident(knex);
  const stores = await createStores(mockServices.database({ knex }));
  return { server: backend.server, knex, id, stores };
}

const as = (user: string) => mockCredentials.user.header(user);

describe('the control routes', () => {
  it('lets an owner approve, refuses a non-owner, executes once and audits every step', async () => {
    const { server, id, stores } = await start(ownershipPermissions.factory);

    const denied = await request(server)
      .post(`/api/ai-sre/incidents/${id}/approval`)
      .set('Authorization', as(STRANGER))
      .send({ approve: true });
    expect(denied.status).toBe(403);
    expect((await stores.incidents.getWork(id))!.threadState).toBe(
      'awaiting-approval',
    );

    const approved = await request(server)
      .post(`/api/ai-sre/incidents/${id}/approval`)
      .set('Authorization', as(OWNER))
      .send({ approve: true, comment: 'ship the rollback' });
    expect(approved.status).toBe(200);
    expect(approved.body.workflow).toBe('done');
    // Cluster "prod" is not configured here: the executor refuses, and says so.
    expect(approved.body.execution).toMatchObject({ status: 'refused' });

    const again = await request(server)
      .post(`/api/ai-sre/incidents/${id}/approval`)
      .set('Authorization', as(OWNER))
      .send({ approve: true });
    expect(again.status).toBe(409);

    const audit = await request(server)
      .get(`/api/ai-sre/incidents/${id}/audit`)
      .set('Authorization', as(OWNER));
    expect(audit.body.items.map((a: any) => [a.action, a.actor])).toEqual([
      ['plan.execute', OWNER],
      ['plan.approve', OWNER],
    ]);
    expect(audit.body.items[1].details).toMatchObject({
      comment: 'ship the rollback',
      plan: ['rollback-deployment', 'notify-owner'],
    });

    const postmortem = await request(server)
      .get(`/api/ai-sre/incidents/${id}/postmortem`)
      .set('Authorization', as(OWNER));
    expect(postmortem.status).toBe(200);
    expect(postmortem.type).toBe('text/markdown');
    expect(postmortem.text).toMatch(/^# Postmortem: /);
    expect(postmortem.text).toMatch(/## Timeline/);
    expect(postmortem.text).toContain('plan.approve');
    expect(postmortem.text).toContain('bad-deploy');
  });

  it('adjusts parameters within policy, and a production entity needs a second approver', async () => {
    const catalog = catalogServiceMock.factory({
      entities: [
        {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'Component',
          metadata: {
            name: 'catalog-api',
            namespace: 'default',
            annotations: { 'backstage.io/kubernetes-id': 'catalog-api' },
          },
          spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
        },
      ],
    });
    const everyone = mockServices.permissions.factory({
      result: AuthorizeResult.ALLOW,
    });
    const { server, id, stores } = await start(everyone, [catalog]);
    const approve = (user: string, body: object) =>
      request(server)
        .post(`/api/ai-sre/incidents/${id}/approval`)
        .set('Authorization', as(user))
        .send(body);

    const unknownParam = await approve(OWNER, {
      approve: true,
      adjustments: [{ step: 0, params: { replicas: 3 } }],
    });
    expect(unknownParam.status).toBe(400);
    expect(unknownParam.body.error.message).toMatch(/no parameter replicas/);
    const wrongType = await approve(OWNER, {
      approve: true,
      adjustments: [{ step: 0, params: { revision: 'six' } }],
    });
    expect(wrongType.status).toBe(400);
    const noStep = await approve(OWNER, {
      approve: true,
      adjustments: [{ step: 9, params: { revision: 5 } }],
    });
    expect(noStep.status).toBe(400);

    const adjusted = await approve(OWNER, {
      approve: true,
      comment: 'revision 5 is the last known good',
      adjustments: [{ step: 0, params: { revision: 5 } }],
    });
    expect(adjusted.status).toBe(200);
    expect(adjusted.body).toMatchObject({
      waitingForSecondApprover: true,
      workflow: 'awaiting-approval',
    });
    // The adjuster cannot be the second approver.
    expect((await approve(OWNER, { approve: true })).status).toBe(409);

    const second = await approve(STRANGER, { approve: true });
    expect(second.status).toBe(200);
    expect(second.body.workflow).toBe('done');
    const work = (await stores.incidents.getWork(id))!;
    expect((work.analysis as any).plan[0].params.revision).toBe(5);
    expect((work.analysis as any).approval).toMatchObject({
      approved: true,
      by: STRANGER,
      adjustedBy: OWNER,
      adjusted: true,
    });
    const audit = await stores.control.listAudit({ incidentId: id, limit: 10 });
    expect(audit.map(a => [a.action, a.actor])).toEqual([
      ['plan.execute', STRANGER],
      ['plan.approve', STRANGER],
      ['plan.adjust', OWNER],
    ]);
  });

  it('executes once when two approvals race', async () => {
    const { server, id, knex } = await start(ownershipPermissions.factory);
    const approve = () =>
      request(server)
        .post(`/api/ai-sre/incidents/${id}/approval`)
        .set('Authorization', as(OWNER))
        .send({ approve: true });
    const statuses = (await Promise.all([approve(), approve(), approve()]))
      .map(r => r.status)
      .sort();
    expect(statuses).toEqual([200, 409, 409]);
    const approvals = await knex('ai_sre_audit').where({
      action: 'plan.approve',
    });
    expect(approvals).toHaveLength(1);
  });

  it('acknowledges, resolves and marks false positives, with 409 for a state that no longer allows it', async () => {
    const { server, id } = await start(ownershipPermissions.factory);
    const post = (path: string, body: object = {}) =>
      request(server)
        .post(`/api/ai-sre/incidents/${id}/${path}`)
        .set('Authorization', as(OWNER))
        .send(body);

    const ack = await post('acknowledge');
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ status: 'acknowledged' });
    expect(ack.body.acknowledgedAt).not.toBeNull();
    expect((await post('acknowledge')).status).toBe(409);

    const fp = await post('false-positive', { reason: 'load test' });
    expect(fp.body).toMatchObject({ status: 'false-positive' });
    expect((await post('false-positive', { reason: 'again' })).status).toBe(
      409,
    );
    expect((await post('resolve')).status).toBe(409);

    const metrics = await request(server)
      .get(
        '/api/ai-sre/metrics?groupBy=entity&from=2025-01-01T00:00:00Z&to=2025-12-31T00:00:00Z',
      )
      .set('Authorization', as(OWNER));
    expect(metrics.status).toBe(200);
    expect(metrics.body.items).toEqual([
      expect.objectContaining({
        key: 'component:default/catalog-api',
        incidents: 1,
        falsePositives: 1,
        falsePositiveRate: 1,
      }),
    ]);
    const byDetector = await request(server)
      .get(
        '/api/ai-sre/metrics?groupBy=detector&from=2025-01-01T00:00:00Z&to=2025-12-31T00:00:00Z',
      )
      .set('Authorization', as(OWNER));
    expect(byDetector.status).toBe(200);
    const bad = await request(server)
      .get('/api/ai-sre/metrics?groupBy=planet')
      .set('Authorization', as(OWNER));
    expect(bad.status).toBe(400);
  });

  it('rejects malformed bodies with 400 naming the problem, and unknown ids with 404', async () => {
    const { server, id } = await start(ownershipPermissions.factory);
    const bad = await request(server)
      .post(`/api/ai-sre/incidents/${id}/approval`)
      .set('Authorization', as(OWNER))
      .send({ approve: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/approve/);

    const extra = await request(server)
      .post(`/api/ai-sre/incidents/${id}/approval`)
      .set('Authorization', as(OWNER))
      .send({ approve: true, force: true });
    expect(extra.status).toBe(400);

    const noReason = await request(server)
      .post(`/api/ai-sre/incidents/${id}/false-positive`)
      .set('Authorization', as(OWNER))
      .send({});
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.message).toMatch(/reason/);

    const switchBody = await request(server)
      .put('/api/ai-sre/kill-switch')
      .set('Authorization', as(OWNER))
      .send({ enabled: 'on' });
    expect(switchBody.status).toBe(400);

    for (const path of [
      '/api/ai-sre/incidents/inc-nope/acknowledge',
      '/api/ai-sre/incidents/inc-nope/approval',
      '/api/ai-sre/executions/exec-nope/rollback',
    ]) {
      const res = await request(server)
        .post(path)
        .set('Authorization', as(OWNER))
        .send(path.endsWith('approval') ? { approve: true } : {});
      expect([path, res.status]).toEqual([path, 404]);
    }
    expect(
      (
        await request(server)
          .get('/api/ai-sre/incidents/inc-nope')
          .set('Authorization', as(OWNER))
      ).status,
    ).toBe(404);
  });

  it('flips the kill-switch, which then refuses execution', async () => {
    const { server, id } = await start(ownershipPermissions.factory);
    const on = await request(server)
      .put('/api/ai-sre/kill-switch')
      .set('Authorization', as(OWNER))
      .send({ enabled: true, reason: 'game day' });
    expect(on.status).toBe(200);
    expect(on.body.global).toMatchObject({ enabled: true, reason: 'game day' });

    const approved = await request(server)
      .post(`/api/ai-sre/incidents/${id}/approval`)
      .set('Authorization', as(OWNER))
      .send({ approve: true });
    expect(approved.body.execution).toMatchObject({
      status: 'refused',
      details: expect.stringMatching(/kill-switch is on: game day/),
    });

    const policy = await request(server)
      .get('/api/ai-sre/policy')
      .set('Authorization', as(OWNER));
    expect(policy.body.killSwitches.global.enabled).toBe(true);
    expect(policy.body.policy.autoExecute.enabled).toBe(false);
  });

  it('answers 401 without credentials and changes nothing', async () => {
    const { server, id, stores } = await start(ownershipPermissions.factory);
    const before = await stores.incidents.getWork(id);
    const calls: Array<[string, string, object?]> = [
      ['get', `/api/ai-sre/incidents/${id}`],
      ['get', `/api/ai-sre/incidents/${id}/postmortem`],
      ['get', `/api/ai-sre/incidents/${id}/audit`],
      ['get', '/api/ai-sre/kill-switch'],
      ['get', '/api/ai-sre/policy'],
      ['get', '/api/ai-sre/metrics'],
      ['post', `/api/ai-sre/incidents/${id}/acknowledge`, {}],
      ['post', `/api/ai-sre/incidents/${id}/resolve`, {}],
      ['post', `/api/ai-sre/incidents/${id}/false-positive`, { reason: 'x' }],
      ['post', `/api/ai-sre/incidents/${id}/approval`, { approve: true }],
      ['post', '/api/ai-sre/executions/exec-1/rollback', {}],
      ['put', '/api/ai-sre/kill-switch', { enabled: true }],
    ];
    for (const [method, path, body] of calls) {
      const res = await (request(server) as any)
        [method](path)
        .set('Authorization', mockCredentials.none.header())
        .send(body);
      expect([method, path, res.status]).toEqual([method, path, 401]);
    }
    expect(await stores.incidents.getWork(id)).toEqual(before);
    expect((await stores.control.killSwitches()).global.enabled).toBe(false);
  });

  it('answers 403 on every route under a denying policy and changes nothing', async () => {
    const { server, id, stores, knex } = await start(
      mockServices.permissions.factory({ result: AuthorizeResult.DENY }),
    );
    const { record: execution } = await stores.executions.claim({
      id: 'exec-1',
      incidentId: id,
      planHash: 'h',
      cluster: 'prod',
      dryRun: false,
      requestedBy: OWNER,
      startedAt: 0,
    });
    await stores.executions.update(execution.id, { status: 'succeeded' });
    const before = await stores.incidents.getWork(id);
    const calls: Array<[string, string, object?]> = [
      ['get', '/api/ai-sre/incidents'],
      ['get', `/api/ai-sre/incidents/${id}`],
      ['get', `/api/ai-sre/incidents/${id}/postmortem`],
      ['get', `/api/ai-sre/incidents/${id}/audit`],
      ['get', '/api/ai-sre/signals'],
      ['get', '/api/ai-sre/clusters'],
      ['get', '/api/ai-sre/dependencies'],
      ['get', '/api/ai-sre/kill-switch'],
      ['get', '/api/ai-sre/policy'],
      ['get', '/api/ai-sre/metrics'],
      ['post', `/api/ai-sre/incidents/${id}/acknowledge`, {}],
      ['post', `/api/ai-sre/incidents/${id}/resolve`, {}],
      ['post', `/api/ai-sre/incidents/${id}/false-positive`, { reason: 'x' }],
      ['post', `/api/ai-sre/incidents/${id}/approval`, { approve: true }],
      ['post', '/api/ai-sre/executions/exec-1/rollback', {}],
      ['put', '/api/ai-sre/kill-switch', { enabled: true }],
    ];
    for (const [method, path, body] of calls) {
      const res = await (request(server) as any)
        [method](path)
        .set('Authorization', as(OWNER))
        .send(body);
      expect([method, path, res.status]).toEqual([method, path, 403]);
    }
    expect(await stores.incidents.getWork(id)).toEqual(before);
    expect(await knex('ai_sre_audit').select('*')).toEqual([]);
    expect((await stores.executions.get('exec-1'))!.status).toBe('succeeded');
    expect((await stores.control.killSwitches()).global.enabled).toBe(false);
  });
});
