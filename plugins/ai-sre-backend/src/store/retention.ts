/**
 * Retention: closed incidents (with their agent trace, executions and
 * workflow checkpoints) and resolved signals are deleted after a configured
 * age; log lines in signal evidence are dropped sooner, since they are the
 * most sensitive data kept. The audit log is append-only and is not purged
 * here. Runs as a global scheduler task, so one replica purges at a time.
 */
import type { BaseCheckpointSaver } from '@langchain/langgraph';
import type { Knex } from 'knex';
import {
  AGENT_TRACES_TABLE,
  INCIDENT_ENTITIES_TABLE,
  INCIDENTS_TABLE,
} from './IncidentStore';
import { EXECUTIONS_TABLE } from './ExecutionStore';
import {
  CHANGES_TABLE,
  SIGNAL_ENTITIES_TABLE,
  SIGNALS_TABLE,
} from './SignalStore';

export interface RetentionConfig {
  /** Closed incidents older than this many days are deleted. */
  incidentsDays: number;
  /** Resolved signals (and recorded changes) older than this are deleted. */
  signalsDays: number;
  /** Log lines are dropped from signal evidence older than this. */
  logSnapshotsDays: number;
}

export const DEFAULT_RETENTION: RetentionConfig = {
  incidentsDays: 180,
  signalsDays: 30,
  logSnapshotsDays: 7,
};

const DAY = 86_400_000;

export interface PurgeResult {
  incidents: number;
  signals: number;
  changes: number;
  logSnapshots: number;
}

export async function purge(options: {
  db: Knex;
  checkpointer: BaseCheckpointSaver;
  config: RetentionConfig;
  now: number;
}): Promise<PurgeResult> {
  const { db, config, now } = options;
  const incidentCutoff = now - config.incidentsDays * DAY;
  const closed = await db(INCIDENTS_TABLE)
    .select('id')
    .whereIn('status', ['resolved', 'false-positive'])
    .where('updated_at', '<', incidentCutoff)
    .limit(5000);
  const ids = closed.map(r => r.id as string);
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    await db.transaction(async tx => {
      await tx(AGENT_TRACES_TABLE).whereIn('incident_id', chunk).delete();
      await tx(EXECUTIONS_TABLE).whereIn('incident_id', chunk).delete();
      // Entity rows go with the incident (ON DELETE CASCADE on PostgreSQL;
      // deleted explicitly for SQLite, which may not enforce it).
      await tx(INCIDENT_ENTITIES_TABLE).whereIn('incident_id', chunk).delete();
      await tx(INCIDENTS_TABLE).whereIn('id', chunk).delete();
    });
  }
  for (const id of ids) await options.checkpointer.deleteThread(id);

  const signalCutoff = now - config.signalsDays * DAY;
  const oldSignals = await db(SIGNALS_TABLE)
    .select('id')
    .where('status', 'resolved')
    .where('last_seen', '<', signalCutoff)
    .limit(20_000);
  const signalIds = oldSignals.map(r => r.id as string);
  for (let i = 0; i < signalIds.length; i += 500) {
    const chunk = signalIds.slice(i, i + 500);
    await db.transaction(async tx => {
      await tx(SIGNAL_ENTITIES_TABLE).whereIn('signal_id', chunk).delete();
      await tx(SIGNALS_TABLE).whereIn('id', chunk).delete();
    });
  }
  const changes = await db(CHANGES_TABLE)
    .where('at', '<', signalCutoff)
    .delete();

  // Log lines leave the evidence first.
  const logCutoff = now - config.logSnapshotsDays * DAY;
  const withLogs = await db(SIGNALS_TABLE)
    .select('id', 'body')
    .where('last_seen', '<', logCutoff)
    .where('body', 'like', '%"lines":["%')
    .limit(5000);
  for (const row of withLogs) {
    const body = JSON.parse(row.body);
    body.evidence.logs = [];
    await db(SIGNALS_TABLE)
      .where({ id: row.id })
      .update({ body: JSON.stringify(body) });
  }
  return {
    incidents: ids.length,
    signals: signalIds.length,
    changes: Number(changes),
    logSnapshots: withLogs.length,
  };
}
