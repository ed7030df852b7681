import { mockServices } from '@backstage/backend-test-utils';
import { createTestDatabases } from '../__testUtils__/databases';
import { IncidentStore, NewIncident } from './IncidentStore';

const { databases, ids } = createTestDatabases();

jest.setTimeout(60_000);

function newIncident(overrides: Partial<NewIncident> = {}): NewIncident {
  return {
    id: 'inc-1',
    title: 'catalog-api is crash-looping',
    entityRef: 'component:default/catalog-api',
    impactedEntityRefs: ['component:default/web'],
    ownerRef: 'group:default/team-books',
    cluster: 'sandbox',
    namespace: 'bookstore',
    severity: 'high',
    startedAt: new Date('2025-03-04T00:01:40Z'),
    openedAt: new Date('2025-03-04T00:02:00Z'),
    ...overrides,
  };
}

describe.each(ids.map(id => [id]))('IncidentStore on %s', databaseId => {
  async function createStore() {
    const knex = await databases.init(databaseId);
    const store = await IncidentStore.create({
      database: mockServices.database({ knex }),
    });
    return { knex, store };
  }

  it('runs its migrations up and down', async () => {
    const { knex } = await createStore();
    expect(await knex.schema.hasTable('ai_sre_incidents')).toBe(true);
    expect(await knex.schema.hasTable('ai_sre_incident_entities')).toBe(true);
    await IncidentStore.rollbackAll(knex);
    expect(await knex.schema.hasTable('ai_sre_incidents')).toBe(false);
    expect(await knex.schema.hasTable('ai_sre_incident_entities')).toBe(false);
    await IncidentStore.migrate(knex);
    expect(await knex.schema.hasTable('ai_sre_incidents')).toBe(true);
  });

  it('skips migrations when the database service says so', async () => {
    const knex = await databases.init(databaseId);
    await IncidentStore.create({
      database: mockServices.database({ knex, migrations: { skip: true } }),
    });
    expect(await knex.schema.hasTable('ai_sre_incidents')).toBe(false);
  });

  it('stores and reads back an incident', async () => {
    const { store } = await createStore();
    const created = await store.insert(
      newIncident({ entityRef: 'Component:default/Catalog-API' }),
    );
    expect(created).toEqual({
      id: 'inc-1',
      title: 'catalog-api is crash-looping',
      summary: '',
      entityRef: 'component:default/catalog-api',
      impactedEntityRefs: ['component:default/web'],
      ownerRef: 'group:default/team-books',
      systemRef: null,
      cluster: 'sandbox',
      namespace: 'bookstore',
      severity: 'high',
      status: 'open',
      category: null,
      startedAt: '2025-03-04T00:01:40.000Z',
      openedAt: '2025-03-04T00:02:00.000Z',
      acknowledgedAt: null,
      resolvedAt: null,
      updatedAt: '2025-03-04T00:02:00.000Z',
    });
    expect(await store.get('inc-1')).toEqual(created);
    expect(await store.get('nope')).toBeUndefined();
    expect(await store.getMany(['nope', 'inc-1'])).toEqual([
      undefined,
      created,
    ]);
  });

  it('lists newest first with keyset pagination', async () => {
    const { store } = await createStore();
    for (let i = 0; i < 5; i++) {
      await store.insert(
        newIncident({
          id: `inc-${i}`,
          // two incidents share an opening time to exercise the tie-break
          openedAt: new Date(Date.UTC(2025, 2, 4, 1, Math.min(i, 3))),
        }),
      );
    }
    const first = await store.list({ limit: 2 });
    expect(first.items.map(i => i.id)).toEqual(['inc-4', 'inc-3']);
    expect(first.nextCursor).toBeDefined();
    const second = await store.list({ limit: 2, cursor: first.nextCursor });
    expect(second.items.map(i => i.id)).toEqual(['inc-2', 'inc-1']);
    const third = await store.list({ limit: 2, cursor: second.nextCursor });
    expect(third.items.map(i => i.id)).toEqual(['inc-0']);
    expect(third.nextCursor).toBeUndefined();
  });

  it('rejects a malformed cursor', async () => {
    const { store } = await createStore();
    await expect(store.list({ limit: 2, cursor: 'garbage' })).rejects.toThrow(
      /Invalid cursor/,
    );
  });

  it('filters by entity (culprit or impacted), status and severity', async () => {
    const { store } = await createStore();
    await store.insert(newIncident({ id: 'a' }));
    await store.insert(
      newIncident({
        id: 'b',
        entityRef: 'component:default/postgres',
        impactedEntityRefs: ['component:default/orders'],
        severity: 'critical',
        status: 'resolved',
      }),
    );
    const idsOf = async (options: Parameters<IncidentStore['list']>[0]) =>
      (await store.list(options)).items.map(i => i.id).sort();

    expect(
      await idsOf({ limit: 10, entityRefs: ['component:default/web'] }),
    ).toEqual(['a']);
    expect(
      await idsOf({ limit: 10, entityRefs: ['COMPONENT:default/postgres'] }),
    ).toEqual(['b']);
    expect(await idsOf({ limit: 10, statuses: ['open'] })).toEqual(['a']);
    expect(
      await idsOf({ limit: 10, severities: ['critical', 'high'] }),
    ).toEqual(['a', 'b']);
    expect(
      await idsOf({
        limit: 10,
        filter: q => q.where('namespace', 'elsewhere'),
      }),
    ).toEqual([]);
  });

  it('searches by owner, system, namespace, cluster, category, time range and text', async () => {
    const { store } = await createStore();
    await store.insert(
      newIncident({
        id: 'a',
        title: 'catalog-api is crash-looping after revision 7',
        summary: 'The new image cannot find module ./ranker',
        systemRef: 'system:default/bookstore',
        category: 'bad-deploy',
      }),
    );
    await store.insert(
      newIncident({
        id: 'b',
        title: 'postgres is unreachable',
        summary: 'Node node-b went NotReady',
        entityRef: 'component:default/postgres',
        ownerRef: 'group:default/team-data',
        systemRef: 'system:default/platform',
        cluster: 'prod-eu',
        namespace: 'data',
        category: 'node-failure',
        openedAt: new Date('2025-03-05T10:00:00Z'),
      }),
    );
    const idsOf = async (
      options: Omit<Parameters<IncidentStore['list']>[0], 'limit'>,
    ) =>
      (await store.list({ limit: 10, ...options })).items.map(i => i.id).sort();

    expect(await idsOf({ ownerRefs: ['group:default/TEAM-data'] })).toEqual([
      'b',
    ]);
    expect(await idsOf({ systemRefs: ['system:default/bookstore'] })).toEqual([
      'a',
    ]);
    expect(await idsOf({ namespaces: ['bookstore'] })).toEqual(['a']);
    expect(await idsOf({ clusters: ['prod-eu', 'sandbox'] })).toEqual([
      'a',
      'b',
    ]);
    expect(await idsOf({ categories: ['node-failure'] })).toEqual(['b']);
    expect(await idsOf({ from: Date.parse('2025-03-05T00:00:00Z') })).toEqual([
      'b',
    ]);
    expect(await idsOf({ to: Date.parse('2025-03-05T00:00:00Z') })).toEqual([
      'a',
    ]);
    expect(await idsOf({ text: 'ranker' })).toEqual(['a']);
    expect(await idsOf({ text: 'Crash-Looping revision' })).toEqual(['a']);
    expect(await idsOf({ text: 'unreachable NotReady' })).toEqual(['b']);
    expect(await idsOf({ text: 'nothing-like-this' })).toEqual([]);
    // Wildcards in the text are literal.
    expect(await idsOf({ text: '%' })).toEqual([]);
  });
});
