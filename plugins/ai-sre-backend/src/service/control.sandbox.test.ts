/**
 * End to end on the sandbox: a bad deploy opens an incident, its plan waits
 * for approval, the owner sees the dry-run diff and approves, the rollback
 * runs through the execution layer, the entity becomes healthy, the fix is
 * verified, the incident resolves by itself with its MTTR recorded, the
 * audit log holds every step and the postmortem reads as a timeline.
 */
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { Incident, IncidentDetails } from '@internal/plugin-ai-sre-common';
import { aiSreClockServiceRef } from '@internal/plugin-ai-sre-node';
import request from 'supertest';
import { aiSrePlugin } from '../plugin';
import { createTestDatabases } from '../__testUtils__/databases';
import { clockOf, startExample } from '../telemetry/__testUtils__/sandbox';

const { databases } = createTestDatabases();
jest.setTimeout(240_000);

const OWNER = 'user:default/owner';

const entities: Entity[] = ['catalog-api', 'web', 'postgres', 'redis'].map(
  name => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      namespace: 'default',
      annotations: { 'backstage.io/kubernetes-id': name },
    },
    spec: {
      owner: 'team-storefront',
      lifecycle: 'production',
      type: 'service',
    },
  }),
);

/** The owner may do everything; anyone else may only read. */
const permissions = mockServices.permissions.mock({
  authorize: async (requests: any[], options: any) =>
    requests.map(r => ({
      result:
        options?.credentials?.principal?.userEntityRef === OWNER ||
        r.permission.name === 'ai-sre.incident.read'
          ? AuthorizeResult.ALLOW
          : AuthorizeResult.DENY,
    })),
  authorizeConditional: async (requests: any[]) =>
    requests.map(() => ({ result: AuthorizeResult.ALLOW })),
} as any);

describe('control on the sandbox', () => {
  it('bad deploy -> approval -> rollback -> healthy -> resolved, audited, with a postmortem', async () => {
    const knex = await databases.init('SQLITE_3');
    const sandbox = await startExample('bookstore-crashloop-after-deploy');
    const clock = clockOf(sandbox.clock);
    const backend = await startTestBackend({
      features: [
        aiSrePlugin,
        mockServices.database.factory({ knex }),
        mockServices.rootConfig.factory({
          data: {
            aiSre: {
              clusters: [
                {
                  name: 'sandbox',
                  url: sandbox.url,
                  serviceAccountToken: sandbox.adminToken,
                  skipTLSVerify: true,
                  metrics: { scrapeUrl: `${sandbox.url}/metrics` },
                },
              ],
              reasoning: { intervalSeconds: 10, resolveAfterSeconds: 60 },
            },
          },
        }),
        catalogServiceMock.factory({ entities }),
        permissions.factory,
        createServiceFactory({
          service: aiSreClockServiceRef,
          deps: {},
          factory: () => clock,
        }),
      ],
    });
    const auth = mockCredentials.user.header(OWNER);
    const api = () => request(backend.server);
    const step = async (seconds: number) => {
      for (let t = 0; t < seconds; t += 5) {
        await sandbox.advance(5000);
        await new Promise(resolve => setTimeout(resolve, 30));
      }
    };
    const details = async (id: string): Promise<IncidentDetails> =>
      (
        await api()
          .get(`/api/ai-sre/incidents/${id}`)
          .set('Authorization', auth)
      ).body;

    try {
      let incident: Incident | undefined;
      for (let t = 0; t < 600 && !incident; t += 5) {
        await step(5);
        incident = (
          await api().get('/api/ai-sre/incidents').set('Authorization', auth)
        ).body.items[0];
      }
      expect(incident).toBeDefined();
      let view = await details(incident!.id);
      for (let t = 0; t < 60 && view.workflow !== 'awaiting-approval'; t += 5) {
        await step(5);
        view = await details(incident!.id);
      }
      expect(view.workflow).toBe('awaiting-approval');
      expect(view.analysis.plan[0].action).toBe('rollback-deployment');
      // The owner sees what the rollback would change before approving.
      expect(
        view.analysis.preview?.[0].operations[0].diff.map(d => d.path),
      ).toContain('spec.template.spec.containers[catalog-api].image');
      expect(view.signals?.map(s => s.detector)).toContain('crash-loop');
      expect(view.changes?.map(c => c.kind)).toContain('workload-revision');
      expect(view.timeline?.map(t => t.kind)).toEqual(
        expect.arrayContaining(['signal', 'change', 'status', 'agent']),
      );

      // Someone else may look but not approve.
      const stranger = await api()
        .post(`/api/ai-sre/incidents/${incident!.id}/approval`)
        .set('Authorization', mockCredentials.user.header('user:default/x'))
        .send({ approve: true });
      expect(stranger.status).toBe(403);

      const approved = await api()
        .post(`/api/ai-sre/incidents/${incident!.id}/approval`)
        .set('Authorization', auth)
        .send({ approve: true, comment: 'roll it back' });
      expect(approved.status).toBe(200);
      expect(approved.body.execution).toMatchObject({ status: 'succeeded' });

      const deployment = () =>
        sandbox.cluster.store.get(
          'deployments',
          'bookstore',
          'catalog-api',
        ) as any;
      expect(deployment().spec.template.spec.containers[0].image).not.toMatch(
        /2\.5\.0$/,
      );

      // The rollout finishes, the signals clear, the fix verifies, and the
      // incident resolves by itself.
      let resolved: Incident | undefined;
      for (let t = 0; t < 900 && !resolved; t += 10) {
        await step(10);
        const now = (await details(incident!.id)).incident;
        if (now.status === 'resolved') resolved = now;
      }
      expect(resolved).toBeDefined();
      expect(resolved!.resolvedAt).not.toBeNull();
      const after = await details(incident!.id);
      expect(after.executions?.[0]).toMatchObject({
        status: 'succeeded',
        requestedBy: OWNER,
      });
      expect(
        after.executions?.[0].steps[0].operations[0].diff.map(d => d.path),
      ).toContain('spec.template.spec.containers[catalog-api].image');

      const metrics = await api()
        .get(
          `/api/ai-sre/metrics?groupBy=entity&from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z`,
        )
        .set('Authorization', auth);
      expect(metrics.body.items[0]).toMatchObject({
        key: 'component:default/catalog-api',
        incidents: 1,
      });
      expect(metrics.body.items[0].mttrSeconds).toBeGreaterThan(0);

      const audit = (
        await api()
          .get(`/api/ai-sre/incidents/${incident!.id}/audit`)
          .set('Authorization', auth)
      ).body.items.map((a: any) => a.action);
      expect(audit).toEqual(
        expect.arrayContaining([
          'plan.approve',
          'plan.execute',
          'execution.verify',
        ]),
      );

      const postmortem = await api()
        .get(`/api/ai-sre/incidents/${incident!.id}/postmortem`)
        .set('Authorization', auth);
      expect(after.timeline?.map(t => t.kind)).toEqual(
        expect.arrayContaining(['audit', 'execution']),
      );
      expect(postmortem.text).toMatch(/## Timeline/);
      expect(postmortem.text).toMatch(/plan\.approve/);
      expect(postmortem.text).toMatch(/Closed as resolved/);
      expect(postmortem.text).toMatch(/spec\.template\.spec\.containers/);
    } finally {
      await backend.stop();
      await sandbox.stop();
    }
  });
});
