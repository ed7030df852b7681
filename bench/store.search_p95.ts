/**
 * store.search_p95: milliseconds for a catalog-scoped incident search over
 * 100,000 incidents on PostgreSQL, p95 of 300 searches. Each search is what
 * the incident search page sends: the incidents of one owner's entities
 * (about 10 entity refs, culprit or impacted), an optional status,
 * severity, category, namespace or time-range filter, sometimes free text
 * (the full-text index), newest first, 50 per page, through
 * `IncidentStore.list` exactly as the route calls it.
 *
 * Baseline: a primary-key fetch (`IncidentStore.get`) of a random incident,
 * p95 of 300.
 *
 * Data (seeded): 2,000 entities owned by 200 groups in 20 systems, 100,000
 * incidents over 180 days with realistic titles and summaries, each with a
 * culprit and up to two impacted entities. A fresh database is created on
 * the server named by BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING
 * (default postgresql://postgres@127.0.0.1:5432) and dropped afterwards.
 */
import knexFactory, { Knex } from 'knex';
import type { Benchmark } from './harness';
import {
  INCIDENT_ENTITIES_TABLE,
  INCIDENTS_TABLE,
  IncidentStore,
} from '../plugins/ai-sre-backend/src/store/IncidentStore';

const INCIDENTS = 100_000;
const ENTITIES = 2_000;
const OWNERS = 200;
const SEARCHES = 300;
const DAY = 86_400_000;
const NOW = Date.parse('2026-11-01T00:00:00Z');

const CATEGORIES = [
  'bad-deploy',
  'bad-config',
  'memory-limit',
  'dependency-failure',
  'node-failure',
  'traffic-surge',
  'image-pull',
  'probe-misconfig',
];
const SEVERITIES = ['critical', 'high', 'medium', 'low'];
const STATUSES = [
  'open',
  'acknowledged',
  'resolved',
  'resolved',
  'resolved',
  'false-positive',
];
const WORDS = [
  'crash-looping',
  'OOMKilled',
  'rollout',
  'timeout',
  'connection refused',
  'readiness probe',
  'image pull',
  'node NotReady',
  'latency',
  'error rate',
  'quota',
  'autoscaler',
];

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const entity = (i: number) => `component:default/service-${i}`;
const ownerOf = (i: number) => `group:default/team-${i % OWNERS}`;

let admin: Knex;
let db: Knex;
let store: IncidentStore;
let databaseName: string;

function p95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length * 0.95) - 1];
}

export const storeSearchP95: Benchmark = {
  name: 'store.search_p95',
  unit: 'ms',
  goal: '<= 50 ms on PostgreSQL',
  better: 'lower',
  runs: 5,
  async setup() {
    const connection =
      process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING ??
      'postgresql://postgres@127.0.0.1:5432';
    admin = knexFactory({ client: 'pg', connection });
    databaseName = `ai_sre_bench_${Date.now()}`;
    await admin.raw(`CREATE DATABASE ${databaseName}`);
    db = knexFactory({
      client: 'pg',
      connection: `${connection.replace(/\/$/, '')}/${databaseName}`,
      pool: { min: 1, max: 4 },
    });
    await IncidentStore.migrate(db);
    store = new IncidentStore(db);

    const next = random(42);
    const pick = <T>(list: T[]) => list[Math.floor(next() * list.length)];
    const rows: any[] = [];
    const entityRows: any[] = [];
    for (let i = 0; i < INCIDENTS; i++) {
      const culprit = Math.floor(next() * ENTITIES);
      const impacted = [
        ...new Set(
          Array.from({ length: Math.floor(next() * 3) }, () =>
            Math.floor(next() * ENTITIES),
          ),
        ),
      ].filter(e => e !== culprit);
      const opened = NOW - Math.floor(next() * 180 * DAY);
      const status = pick(STATUSES);
      const id = `inc-${i.toString(36).padStart(6, '0')}`;
      rows.push({
        id,
        title: `${pick(WORDS)} on Deployment/ns-${
          culprit % 50
        }/service-${culprit}`,
        summary: `${pick(WORDS)} after ${pick(WORDS)}; ${pick(
          WORDS,
        )} in service-${culprit}`,
        entity_ref: entity(culprit),
        impacted_entity_refs: JSON.stringify(impacted.map(entity)),
        owner_ref: ownerOf(culprit),
        system_ref: `system:default/system-${culprit % 20}`,
        cluster: `cluster-${culprit % 4}`,
        namespace: `ns-${culprit % 50}`,
        severity: pick(SEVERITIES),
        status,
        category: pick(CATEGORIES),
        started_at: opened - 60_000,
        opened_at: opened,
        acknowledged_at: null,
        resolved_at: status === 'resolved' ? opened + 3_600_000 : null,
        updated_at: opened,
        group_key: `cluster-${culprit % 4}|Deployment/service-${culprit}`,
        fingerprints: '[]',
        analysis: '{}',
        thread_state: 'done',
        last_signal_at: opened,
      });
      entityRows.push({
        incident_id: id,
        entity_ref: entity(culprit),
        role: 'culprit',
      });
      for (const e of impacted) {
        entityRows.push({
          incident_id: id,
          entity_ref: entity(e),
          role: 'impacted',
        });
      }
    }
    await db.batchInsert(INCIDENTS_TABLE, rows, 1000);
    await db.batchInsert(INCIDENT_ENTITIES_TABLE, entityRows, 2000);
    await db.raw('ANALYZE');
  },
  async measure() {
    const next = random(7);
    const pick = <T>(list: T[]) => list[Math.floor(next() * list.length)];
    const searches: number[] = [];
    for (let s = 0; s < SEARCHES; s++) {
      // The entities one owner sees: theirs in the catalog.
      const owner = Math.floor(next() * OWNERS);
      const entityRefs = Array.from({ length: ENTITIES / OWNERS }, (_, k) =>
        entity(owner + k * OWNERS),
      );
      const variant = s % 5;
      const start = performance.now();
      const page = await store.list({
        entityRefs,
        limit: 50,
        ...(variant === 1 ? { statuses: ['open', 'acknowledged'] as any } : {}),
        ...(variant === 2
          ? {
              categories: [pick(CATEGORIES)] as any,
              severities: ['critical', 'high'] as any,
            }
          : {}),
        ...(variant === 3 ? { from: NOW - 7 * DAY, to: NOW } : {}),
        ...(variant === 4
          ? { text: pick(['timeout', 'OOMKilled', 'rollout', 'probe']) }
          : {}),
      });
      searches.push(performance.now() - start);
      if (page.items.length === 0 && variant === 0) {
        throw new Error('A search found nothing: the data set is wrong');
      }
    }
    const fetches: number[] = [];
    for (let s = 0; s < SEARCHES; s++) {
      const id = `inc-${Math.floor(next() * INCIDENTS)
        .toString(36)
        .padStart(6, '0')}`;
      const start = performance.now();
      const found = await store.get(id);
      fetches.push(performance.now() - start);
      if (!found) throw new Error(`Incident ${id} is missing`);
    }
    return {
      value: p95(searches),
      baseline: {
        name: 'primary-key fetch (IncidentStore.get)',
        value: p95(fetches),
      },
    };
  },
  async teardown() {
    await db?.destroy();
    await admin?.raw(`DROP DATABASE IF EXISTS ${databaseName}`);
    await admin?.destroy();
  },
};
