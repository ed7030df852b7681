import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import type { Entity } from '@backstage/catalog-model';
import type { Sandbox } from '@internal/k8s-sandbox';
import { EntityResolver } from '../catalog/EntityResolver';
import { createStores, Stores } from '../store';
import { createTestDatabases } from '../__testUtils__/databases';
import { builtInDetectors } from './detectors';
import { SignalEvent } from './SignalTracker';
import { TelemetryService } from './TelemetryService';
import { clockOf, quiesce, startExample } from './__testUtils__/sandbox';

const { databases, ids } = createTestDatabases();
jest.setTimeout(120_000);

const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };

const catalog: Entity[] = ['catalog-api', 'web', 'postgres', 'redis'].map(
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

function service(
  sandbox: Sandbox,
  stores: Stores,
  holder: string,
  published: SignalEvent[],
) {
  const clock = clockOf(sandbox.clock);
  return new TelemetryService({
    config: new ConfigReader({
      aiSre: {
        clusters: [
          {
            name: 'sandbox',
            url: sandbox.url,
            serviceAccountToken: sandbox.adminToken,
            // client-node refuses plain HTTP unless TLS verification is off.
            skipTLSVerify: true,
            metrics: { scrapeUrl: `${sandbox.url}/metrics` },
          },
        ],
      },
    }),
    logger,
    clock,
    detectors: () => builtInDetectors,
    signals: stores.signals,
    leases: stores.leases,
    resolver: new EntityResolver({
      fetchEntities: async () => catalog,
      now: clock.now,
    }),
    holder,
    leaseTtlMs: 15_000,
    publish: async event => {
      published.push(event);
    },
  });
}

describe.each(ids.map(id => [id]))('TelemetryService on %s', databaseId => {
  it('watches each cluster from exactly one replica, hands over, and records entity-mapped signals', async () => {
    const knex = await databases.init(databaseId);
    const stores = await createStores(mockServices.database({ knex }));
    const sandbox = await startExample('bookstore-crashloop-after-deploy');
    const published: SignalEvent[] = [];
    const first = service(sandbox, stores, 'replica-1', published);
    const second = service(sandbox, stores, 'replica-2', published);
    const activity = () =>
      [first, second]
        .map(s => s.health()[0]?.status)
        .reduce(
          (sum, h) =>
            sum +
            (h ? h.informers.reduce((n, i) => n + i.events + i.lists, 0) : 0),
          0,
        ) + published.length;
    const step = async (seconds: number) => {
      for (let t = 0; t < seconds; t += 5) {
        await sandbox.advance(5000);
        await quiesce(activity, 15);
      }
    };

    first.start();
    await quiesce(activity);
    second.start();
    await step(10);
    const watching = () => [first, second].map(s => s.health()[0].watchedHere);
    expect(watching()).toEqual([true, false]);

    await step(180);
    await first.flushed();
    const { items } = await stores.signals.list({
      limit: 50,
      detectors: ['crash-loop'],
    });
    expect(items.length).toBeGreaterThan(0);
    expect(items[0].entityRefs).toEqual(['component:default/catalog-api']);
    expect(items[0].workload).toMatchObject({
      kind: 'Deployment',
      name: 'catalog-api',
    });
    expect(
      published.some(
        e => e.type === 'opened' && e.signal.detector === 'crash-loop',
      ),
    ).toBe(true);
    // Log capture: the previous container's last line names the bug, redacted as needed.
    const withLogs = (await stores.signals.get(items[0].id))!;
    expect(withLogs.evidence.logs.flatMap(l => l.lines).join('\n')).toMatch(
      /Cannot find module/,
    );

    // The rollout that caused it is recorded as a change of the same entity.
    const changes = await stores.signals.listChanges({ limit: 20 });
    expect(changes).toContainEqual(
      expect.objectContaining({
        kind: 'workload-revision',
        object: expect.objectContaining({
          kind: 'Deployment',
          name: 'catalog-api',
        }),
        revision: '2',
        entityRefs: ['component:default/catalog-api'],
      }),
    );

    // The dependency graph read from the cluster: web calls catalog-api.
    const dependencies = await first.dependencies();
    expect(dependencies).toContainEqual(
      expect.objectContaining({
        from: expect.objectContaining({ kind: 'Deployment', name: 'web' }),
        fromEntityRefs: ['component:default/web'],
        toEntityRefs: ['component:default/catalog-api'],
        evidence: 'env CATALOG_URL',
      }),
    );

    // The first replica stops: the second takes the lease and carries on.
    await first.stop();
    await step(30);
    expect(second.health()[0].watchedHere).toBe(true);
    const before = (
      await stores.signals.list({ limit: 50, detectors: ['crash-loop'] })
    ).items.length;
    await step(30);
    await second.flushed();
    const after = await stores.signals.list({
      limit: 50,
      detectors: ['crash-loop'],
    });
    // The hand-over restores the open signals: nothing is opened twice.
    expect(after.items.length).toBe(before);
    await second.stop();
    await sandbox.stop();
  });
});
