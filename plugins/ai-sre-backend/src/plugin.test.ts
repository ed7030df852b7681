import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { aiSreDetectorsExtensionPoint } from '@internal/plugin-ai-sre-node';
import { Knex } from 'knex';
import request from 'supertest';
import { aiSrePlugin } from './plugin';
import { IncidentStore, NewIncident } from './store/IncidentStore';
import { createTestDatabases } from './__testUtils__/databases';

const { databases } = createTestDatabases();

jest.setTimeout(60_000);

function incident(id: string, overrides: Partial<NewIncident> = {}) {
  return {
    id,
    title: `incident ${id}`,
    entityRef: 'component:default/catalog-api',
    ownerRef: 'group:default/team-books',
    cluster: 'sandbox',
    namespace: 'bookstore',
    severity: 'high' as const,
    startedAt: new Date('2025-03-04T00:01:00Z'),
    openedAt: new Date('2025-03-04T00:02:00Z'),
    ...overrides,
  };
}

async function seed(knex: Knex) {
  const store = await IncidentStore.create({
    database: mockServices.database({ knex }),
  });
  await store.insert(incident('inc-1'));
  await store.insert(
    incident('inc-2', {
      entityRef: 'component:default/postgres',
      ownerRef: 'group:default/team-data',
      openedAt: new Date('2025-03-04T00:05:00Z'),
    }),
  );
}

describe('ai-sre backend plugin', () => {
  async function start(features: any[] = []) {
    const knex = await databases.init('SQLITE_3');
    const backend = await startTestBackend({
      features: [
        aiSrePlugin,
        mockServices.database.factory({ knex }),
        ...features,
      ],
    });
    await seed(knex);
    return backend;
  }

  it('answers its health route without credentials', async () => {
    const { server } = await start();
    const res = await request(server).get('/api/ai-sre/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('lists incidents for an authenticated user', async () => {
    const { server } = await start();
    const res = await request(server)
      .get('/api/ai-sre/incidents')
      .set('Authorization', mockCredentials.user.header());
    expect(res.status).toBe(200);
    expect(res.body.items.map((i: { id: string }) => i.id)).toEqual([
      'inc-2',
      'inc-1',
    ]);
    expect(res.body.items[1]).toMatchObject({
      entityRef: 'component:default/catalog-api',
      status: 'open',
      severity: 'high',
      openedAt: '2025-03-04T00:02:00.000Z',
    });
  });

  it('filters by entity and pages with a cursor', async () => {
    const { server } = await start();
    const auth = mockCredentials.user.header();
    const byEntity = await request(server)
      .get('/api/ai-sre/incidents')
      .query({ entityRef: 'component:default/postgres' })
      .set('Authorization', auth);
    expect(byEntity.body.items.map((i: { id: string }) => i.id)).toEqual([
      'inc-2',
    ]);

    const page1 = await request(server)
      .get('/api/ai-sre/incidents?limit=1')
      .set('Authorization', auth);
    expect(page1.body.items).toHaveLength(1);
    const page2 = await request(server)
      .get('/api/ai-sre/incidents')
      .query({ limit: 1, cursor: page1.body.nextCursor })
      .set('Authorization', auth);
    expect(page2.body.items.map((i: { id: string }) => i.id)).toEqual([
      'inc-1',
    ]);
    expect(page2.body.nextCursor).toBeUndefined();
  });

  it('rejects requests without credentials with 401', async () => {
    const { server } = await start();
    // The test backend treats a request without a header as a mock user;
    // this header stands for a caller with no credentials at all.
    const res = await request(server)
      .get('/api/ai-sre/incidents')
      .set('Authorization', mockCredentials.none.header());
    expect(res.status).toBe(401);
  });

  it('rejects users the permission policy denies with 403', async () => {
    const { server } = await start([
      mockServices.permissions.factory({ result: AuthorizeResult.DENY }),
    ]);
    const res = await request(server)
      .get('/api/ai-sre/incidents')
      .set('Authorization', mockCredentials.user.header());
    expect(res.status).toBe(403);
    expect(res.body.error.name).toBe('NotAllowedError');
  });

  it.each([
    ['an unknown status', 'status=broken', /status/],
    ['a limit out of range', 'limit=0', /limit/],
    ['a non-numeric limit', 'limit=lots', /limit/],
    ['an unknown parameter', 'colour=red', /colour/],
    ['a malformed cursor', 'cursor=xyz', /cursor/],
  ])('rejects %s with 400', async (_name, query, message) => {
    const { server } = await start();
    const res = await request(server)
      .get(`/api/ai-sre/incidents?${query}`)
      .set('Authorization', mockCredentials.user.header());
    expect(res.status).toBe(400);
    expect(res.body.error.name).toBe('InputError');
    expect(res.body.error.message).toMatch(message);
  });

  it('applies conditional decisions inside the query', async () => {
    const permissions = mockServices.permissions.mock({
      authorizeConditional: async requests =>
        requests.map(() => ({
          result: AuthorizeResult.CONDITIONAL,
          pluginId: 'ai-sre',
          resourceType: 'ai-sre-incident',
          conditions: {
            rule: 'IS_INCIDENT_OWNER',
            resourceType: 'ai-sre-incident',
            params: { claims: ['group:default/team-data'] },
          },
        })),
    });
    const { server } = await start([permissions.factory]);
    const res = await request(server)
      .get('/api/ai-sre/incidents')
      .set('Authorization', mockCredentials.user.header());
    expect(res.status).toBe(200);
    expect(res.body.items.map((i: { id: string }) => i.id)).toEqual(['inc-2']);
  });

  it('lists detectors added through the extension point', async () => {
    const module = createBackendModule({
      pluginId: 'ai-sre',
      moduleId: 'test-detectors',
      register(reg) {
        reg.registerInit({
          deps: { detectors: aiSreDetectorsExtensionPoint },
          async init({ detectors }) {
            detectors.addDetector({
              id: 'queue-depth',
              title: 'Queue depth above its baseline',
              reads: ['Metric'],
              severity: 'medium',
              debounceSeconds: 60,
              intervalSeconds: 30,
              evaluatePeriodic: () => [],
            });
          },
        });
      },
    });
    const { server } = await start([module]);
    const res = await request(server)
      .get('/api/ai-sre/detectors')
      .set('Authorization', mockCredentials.user.header());
    expect(res.status).toBe(200);
    expect(res.body.items).toContainEqual({
      id: 'queue-depth',
      title: 'Queue depth above its baseline',
      reads: ['Metric'],
      severity: 'medium',
      debounceSeconds: 60,
      kind: 'periodic',
    });
  });
});
