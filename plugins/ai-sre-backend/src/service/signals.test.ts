import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { Signal } from '@internal/plugin-ai-sre-common';
import request from 'supertest';
import { aiSrePlugin } from '../plugin';
import { createStores } from '../store';
import { createTestDatabases } from '../__testUtils__/databases';

const { databases } = createTestDatabases();
jest.setTimeout(60_000);

const SECRET = 'am-shared-secret-123';

function signal(id: string, overrides: Partial<Signal> = {}): Signal {
  return {
    schemaVersion: 1,
    id,
    fingerprint: `fp-${id}`,
    detector: 'crash-loop',
    severity: 'high',
    cluster: 'sandbox',
    object: { kind: 'Pod', namespace: 'bookstore', name: `web-${id}` },
    ownerChain: [],
    workload: { kind: 'Deployment', namespace: 'bookstore', name: 'web' },
    labels: { 'backstage.io/kubernetes-id': 'web' },
    reason: 'CrashLoopBackOff',
    message: 'web keeps crashing',
    status: 'active',
    firstSeen: '2025-03-04T00:02:00.000Z',
    lastSeen: '2025-03-04T00:03:00.000Z',
    resolvedAt: null,
    count: 3,
    evidence: { fields: {}, events: [], logs: [], metrics: [] },
    entityRefs: ['component:default/web'],
    ...overrides,
  };
}

const alertPayload = (status: 'firing' | 'resolved' = 'firing') => ({
  version: '4',
  groupKey: '{}:{alertname="KubePodCrashLooping"}',
  truncatedAlerts: 0,
  status,
  receiver: 'ai-sre',
  groupLabels: { alertname: 'KubePodCrashLooping' },
  commonLabels: { alertname: 'KubePodCrashLooping', severity: 'warning' },
  commonAnnotations: { summary: 'Pod is crash looping.' },
  externalURL: 'http://alertmanager:9093',
  alerts: [
    {
      status,
      labels: {
        alertname: 'KubePodCrashLooping',
        namespace: 'bookstore',
        pod: 'orders-6d4cf56db6-x2x7q',
        cluster: 'prod-eu',
        severity: 'warning',
      },
      annotations: {
        summary: 'Pod bookstore/orders-6d4cf56db6-x2x7q is crash looping.',
      },
      startsAt: '2025-03-04T00:05:00Z',
      endsAt:
        status === 'resolved' ? '2025-03-04T00:20:00Z' : '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph',
      fingerprint: 'a1b2c3d4e5f60718',
    },
  ],
});

async function start(options: { secret?: string; features?: any[] } = {}) {
  const knex = await databases.init('SQLITE_3');
  const backend = await startTestBackend({
    features: [
      aiSrePlugin,
      mockServices.database.factory({ knex }),
      mockServices.rootConfig.factory({
        data: options.secret
          ? { aiSre: { alertmanager: { sharedSecret: options.secret } } }
          : {},
      }),
      ...(options.features ?? []),
    ],
  });
  const stores = await createStores(mockServices.database({ knex }));
  return { ...backend, stores };
}

describe('GET /signals', () => {
  it('lists signals newest first and filters by entity and status', async () => {
    const { server, stores } = await start();
    await stores.signals.upsert(signal('a'));
    await stores.signals.upsert(
      signal('b', {
        firstSeen: '2025-03-04T00:04:00.000Z',
        status: 'resolved',
        resolvedAt: '2025-03-04T00:09:00.000Z',
        entityRefs: ['component:default/orders'],
      }),
    );
    const auth = mockCredentials.user.header();
    const all = await request(server)
      .get('/api/ai-sre/signals')
      .set('Authorization', auth);
    expect(all.status).toBe(200);
    expect(all.body.items.map((s: Signal) => s.id)).toEqual(['b', 'a']);
    const web = await request(server)
      .get('/api/ai-sre/signals?entityRef=component:default/web&status=active')
      .set('Authorization', auth);
    expect(web.body.items.map((s: Signal) => s.id)).toEqual(['a']);
  });

  it('answers 401, 403 and 400', async () => {
    const denied = await start({
      features: [
        mockServices.permissions.factory({ result: AuthorizeResult.DENY }),
      ],
    });
    expect(
      (
        await request(denied.server)
          .get('/api/ai-sre/signals')
          .set('Authorization', mockCredentials.user.header())
      ).status,
    ).toBe(403);
    const { server } = await start();
    expect(
      (
        await request(server)
          .get('/api/ai-sre/signals')
          .set('Authorization', mockCredentials.none.header())
      ).status,
    ).toBe(401);
    const bad = await request(server)
      .get('/api/ai-sre/signals?status=open')
      .set('Authorization', mockCredentials.user.header());
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/status/);
  });
});

describe('GET /clusters', () => {
  it('reports the configured clusters and needs read access', async () => {
    const { server } = await start();
    const res = await request(server)
      .get('/api/ai-sre/clusters')
      .set('Authorization', mockCredentials.user.header());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [] });
    expect(
      (
        await request(server)
          .get('/api/ai-sre/clusters')
          .set('Authorization', mockCredentials.none.header())
      ).status,
    ).toBe(401);
    const denied = await start({
      features: [
        mockServices.permissions.factory({ result: AuthorizeResult.DENY }),
      ],
    });
    expect(
      (
        await request(denied.server)
          .get('/api/ai-sre/clusters')
          .set('Authorization', mockCredentials.user.header())
      ).status,
    ).toBe(403);
  });
});

describe('GET /dependencies', () => {
  it('answers an empty graph without clusters, and 403 to those denied', async () => {
    const { server } = await start();
    const res = await request(server)
      .get('/api/ai-sre/dependencies')
      .set('Authorization', mockCredentials.user.header());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [] });
    const denied = await start({
      features: [
        mockServices.permissions.factory({ result: AuthorizeResult.DENY }),
      ],
    });
    expect(
      (
        await request(denied.server)
          .get('/api/ai-sre/dependencies')
          .set('Authorization', mockCredentials.user.header())
      ).status,
    ).toBe(403);
    expect(
      (
        await request(denied.server)
          .get('/api/ai-sre/dependencies')
          .set('Authorization', mockCredentials.none.header())
      ).status,
    ).toBe(401);
  });
});

describe('POST /alerts/alertmanager', () => {
  it('is closed without a configured shared secret', async () => {
    const { server } = await start();
    const res = await request(server)
      .post('/api/ai-sre/alerts/alertmanager')
      .set('Authorization', `Bearer ${SECRET}`)
      .send(alertPayload());
    expect(res.status).toBe(403);
  });

  it('rejects a wrong or missing secret with 403', async () => {
    const { server } = await start({ secret: SECRET });
    expect(
      (
        await request(server)
          .post('/api/ai-sre/alerts/alertmanager')
          .send(alertPayload())
      ).status,
    ).toBe(403);
    expect(
      (
        await request(server)
          .post('/api/ai-sre/alerts/alertmanager')
          .set('Authorization', 'Bearer wrong-secret')
          .send(alertPayload())
      ).status,
    ).toBe(403);
  });

  it('rejects a malformed payload with 400 and the reason', async () => {
    const { server } = await start({ secret: SECRET });
    const res = await request(server)
      .post('/api/ai-sre/alerts/alertmanager')
      .set('Authorization', `Bearer ${SECRET}`)
      .send({ ...alertPayload(), version: '3', alerts: [] });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/version/);
    expect(res.body.error.message).toMatch(/alerts/);
  });

  it('turns alerts into signals, idempotently, and resolves them', async () => {
    const { server, stores } = await start({ secret: SECRET });
    const post = (status: 'firing' | 'resolved') =>
      request(server)
        .post('/api/ai-sre/alerts/alertmanager')
        .set('Authorization', `Bearer ${SECRET}`)
        .send(alertPayload(status));
    expect((await post('firing')).status).toBe(202);
    expect((await post('firing')).status).toBe(202);
    let { items } = await stores.signals.list({ limit: 10 });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      detector: 'alertmanager',
      cluster: 'prod-eu',
      object: {
        kind: 'Pod',
        namespace: 'bookstore',
        name: 'orders-6d4cf56db6-x2x7q',
      },
      reason: 'KubePodCrashLooping',
      severity: 'medium',
      status: 'active',
      message: 'Pod bookstore/orders-6d4cf56db6-x2x7q is crash looping.',
    });
    expect((await post('resolved')).status).toBe(202);
    ({ items } = await stores.signals.list({ limit: 10 }));
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      status: 'resolved',
      resolvedAt: '2025-03-04T00:20:00.000Z',
    });
  });
});
