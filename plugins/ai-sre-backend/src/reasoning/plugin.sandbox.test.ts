/**
 * The whole backend plugin on the sandbox: telemetry watches a bad deploy,
 * the reasoning service runs the workflow on the virtual clock, and the
 * incident with its analysis and agent trace is served by the REST API.
 * Then the backend is stopped with the approval pending and a new one on
 * the same database resumes it without re-running anything.
 */
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { aiSreClockServiceRef } from '@internal/plugin-ai-sre-node';
import type { Incident, IncidentDetails } from '@internal/plugin-ai-sre-common';
import request from 'supertest';
import { aiSrePlugin } from '../plugin';
import { createTestDatabases } from '../__testUtils__/databases';
import { clockOf, startExample } from '../telemetry/__testUtils__/sandbox';

const { databases } = createTestDatabases();
jest.setTimeout(180_000);

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

describe('the AI SRE backend on the sandbox', () => {
  it('opens an incident from a bad deploy, serves its analysis, and resumes it after a restart', async () => {
    const knex = await databases.init('SQLITE_3');
    const sandbox = await startExample('bookstore-crashloop-after-deploy');
    const clock = clockOf(sandbox.clock);
    const features = () => [
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
            reasoning: { intervalSeconds: 10 },
          },
        },
      }),
      catalogServiceMock.factory({ entities }),
      createServiceFactory({
        service: aiSreClockServiceRef,
        deps: {},
        factory: () => clock,
      }),
    ];
    const auth = mockCredentials.user.header();
    let backend = await startTestBackend({ features: features() });
    const incidents = async (): Promise<Incident[]> =>
      (
        await request(backend.server)
          .get('/api/ai-sre/incidents')
          .set('Authorization', auth)
      ).body.items;

    let found: Incident[] = [];
    try {
      for (let t = 0; t < 600 && !found.length; t += 5) {
        await sandbox.advance(5000);
        // Wall time for the watches, the stores and the workflow to catch up.
        await new Promise(resolve => setTimeout(resolve, 40));
        found = await incidents();
      }
      expect(found).toHaveLength(1);
      // Let the workflow finish its first run.
      await sandbox.advance(10_000);
      await new Promise(resolve => setTimeout(resolve, 200));

      const [incident] = await incidents();
      expect(incident).toMatchObject({
        entityRef: 'component:default/catalog-api',
        category: 'bad-deploy',
        status: 'open',
        ownerRef: 'group:default/team-storefront',
        cluster: 'sandbox',
      });
      const details: IncidentDetails = (
        await request(backend.server)
          .get(`/api/ai-sre/incidents/${incident.id}`)
          .set('Authorization', auth)
      ).body;
      expect(details.workflow).toBe('awaiting-approval');
      expect(details.analysis.hypotheses[0]).toMatchObject({
        category: 'bad-deploy',
        object: { kind: 'Deployment', name: 'catalog-api' },
      });
      expect(details.analysis.plan[0].action).toBe('rollback-deployment');
      expect(details.analysis.decision?.decision).toBe('ask-human');
      const nodes = details.trace.map(t => t.node);
      expect(nodes.slice(0, 5)).toEqual([
        'detect',
        'rootCause',
        'enrich',
        'planFix',
        'checkPolicy',
      ]);

      const unknown = await request(backend.server)
        .get('/api/ai-sre/incidents/inc-nope')
        .set('Authorization', auth);
      expect(unknown.status).toBe(404);

      // The backend goes away with the approval pending; a new one resumes.
      await backend.stop();
      backend = await startTestBackend({ features: features() });
      for (let t = 0; t < 30; t += 5) {
        await sandbox.advance(5000);
        await new Promise(resolve => setTimeout(resolve, 40));
      }
      const after: IncidentDetails = (
        await request(backend.server)
          .get(`/api/ai-sre/incidents/${incident.id}`)
          .set('Authorization', auth)
      ).body;
      expect(after.workflow).toBe('awaiting-approval');
      expect(await incidents()).toHaveLength(1);
      // Nothing ran twice.
      expect(after.trace.map(t => t.node)).toEqual(nodes);
    } finally {
      await backend.stop();
      await sandbox.stop();
    }
  });
});
