/**
 * The incident engine outside a Backstage backend (`yarn eval`, the
 * offline CLI, benchmarks): the same workflow, stores and checkpointer on
 * an in-memory SQLite database.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import knexFactory, { Knex } from 'knex';
import { defaultPolicyConfig, PolicyConfig } from '../policy';
import { KnexCheckpointSaver } from '../store/checkpoint';
import { IncidentStore } from '../store/IncidentStore';
import { IncidentEngine, IncidentEngineOptions } from './IncidentEngine';
import type { Executor } from './workflow';

const SILENT: LoggerService = {
  info() {},
  warn() {},
  error() {},
  debug() {},
  child() {
    return SILENT;
  },
};

export interface StandaloneEngine {
  engine: IncidentEngine;
  incidents: IncidentStore;
  knex: Knex;
  close(): Promise<void>;
}

/** An in-memory SQLite database with the plugin's migrations applied. */
export async function openMemoryDatabase(): Promise<Knex> {
  const knex = knexFactory({
    client: 'better-sqlite3',
    connection: { filename: ':memory:' },
    useNullAsDefault: true,
    // One connection: every query sees the same in-memory database.
    pool: { min: 1, max: 1 },
  });
  await IncidentStore.migrate(knex);
  return knex;
}

export async function createStandaloneEngine(
  options: Partial<
    Omit<IncidentEngineOptions, 'incidents' | 'checkpointer'>
  > & {
    clock: { now(): number };
    policy?: PolicyConfig;
    /** Builds the executor on the engine's database (for its execution records). */
    createExecutor?(knex: Knex): Executor;
  },
): Promise<StandaloneEngine> {
  const knex = await openMemoryDatabase();
  const incidents = new IncidentStore(knex);
  const engine = new IncidentEngine({
    logger: SILENT,
    ...options,
    executor: options.createExecutor?.(knex) ?? options.executor,
    policy: options.policy ?? defaultPolicyConfig(),
    incidents,
    checkpointer: new KnexCheckpointSaver(knex),
  });
  return { engine, incidents, knex, close: () => knex.destroy() };
}
