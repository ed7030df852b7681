import { mockServices } from '@backstage/backend-test-utils';
import type { Signal } from '@internal/plugin-ai-sre-common';
import { createTestDatabases } from '../__testUtils__/databases';
import { KnexCheckpointSaver } from './checkpoint';
import { createStores } from '.';
import { DEFAULT_RETENTION, purge } from './retention';

const { databases, ids } = createTestDatabases();
jest.setTimeout(60_000);

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-01T00:00:00Z');

function signal(
  id: string,
  lastSeenDaysAgo: number,
  status: Signal['status'],
): Signal {
  const at = new Date(NOW - lastSeenDaysAgo * DAY).toISOString();
  return {
    schemaVersion: 1,
    id,
    fingerprint: `fp-${id}`,
    detector: 'crash-loop',
    severity: 'high',
    cluster: 'prod',
    object: { kind: 'Pod', namespace: 'shop', name: `web-${id}` },
    ownerChain: [],
    workload: { kind: 'Deployment', namespace: 'shop', name: 'web' },
    labels: {},
    reason: 'CrashLoopBackOff',
    message: 'web keeps crashing',
    status,
    firstSeen: at,
    lastSeen: at,
    resolvedAt: status === 'resolved' ? at : null,
    count: 1,
    evidence: {
      fields: {},
      events: [],
      logs: [
        {
          pod: `web-${id}`,
          container: 'web',
          previous: true,
          truncated: false,
          lines: ['boom'],
        },
      ],
      metrics: [],
    },
    entityRefs: ['component:default/web'],
  };
}

describe.each(ids.map(id => [id]))('retention on %s', databaseId => {
  it('purges old closed incidents, resolved signals and log lines, keeping the rest', async () => {
    const knex = await databases.init(databaseId);
    const stores = await createStores(mockServices.database({ knex }));
    const incident = (
      id: string,
      daysAgo: number,
      status: 'open' | 'resolved',
    ) =>
      stores.incidents.insert({
        id,
        title: id,
        entityRef: 'component:default/web',
        ownerRef: null,
        cluster: 'prod',
        namespace: 'shop',
        severity: 'high',
        status,
        startedAt: new Date(NOW - daysAgo * DAY),
        openedAt: new Date(NOW - daysAgo * DAY),
      });
    await incident('old-closed', 400, 'resolved');
    await incident('old-open', 400, 'open');
    await incident('new-closed', 10, 'resolved');
    await stores.incidents.appendTrace('old-closed', {
      node: 'detect',
      input: '',
      output: '',
      durationMs: 1,
      at: new Date(NOW - 400 * DAY).toISOString(),
    });
    await stores.signals.upsert(signal('old-resolved', 60, 'resolved'));
    await stores.signals.upsert(signal('old-active', 60, 'active'));
    await stores.signals.upsert(signal('week-old', 10, 'resolved'));
    await stores.signals.upsert(signal('fresh', 1, 'resolved'));

    const result = await purge({
      db: knex,
      checkpointer: new KnexCheckpointSaver(knex),
      config: DEFAULT_RETENTION,
      now: NOW,
    });
    expect(result).toMatchObject({ incidents: 1, signals: 1 });
    const left = (await stores.incidents.list({ limit: 10 })).items
      .map(i => i.id)
      .sort();
    expect(left).toEqual(['new-closed', 'old-open']);
    expect(await stores.incidents.listTraces('old-closed')).toEqual([]);
    expect(await stores.signals.get('old-resolved')).toBeUndefined();
    expect((await stores.signals.get('old-active'))!.evidence.logs).toEqual([]);
    expect((await stores.signals.get('week-old'))!.evidence.logs).toEqual([]);
    expect((await stores.signals.get('fresh'))!.evidence.logs).toHaveLength(1);
  });
});
