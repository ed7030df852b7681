import { decodeCursor, encodeCursor } from './cursor';
import {
  Change,
  formatObjectRef,
  Signal,
  signalSchema,
} from '@internal/plugin-ai-sre-common';
import { Knex } from 'knex';
import { IncidentQueryFilter } from './IncidentStore';

export const SIGNALS_TABLE = 'ai_sre_signals';
export const SIGNAL_ENTITIES_TABLE = 'ai_sre_signal_entities';
export const CHANGES_TABLE = 'ai_sre_changes';

const lower = (value: string) => value.toLocaleLowerCase('en-US');
const ms = (iso: string | null) => (iso === null ? null : Date.parse(iso));

export interface ListSignalsOptions {
  statuses?: Array<Signal['status']>;
  entityRefs?: string[];
  cluster?: string;
  detectors?: string[];
  /** Signals first seen at or after this time (epoch ms). */
  since?: number;
  limit: number;
  cursor?: string;
  filter?: IncidentQueryFilter;
}

/** Signals and changes in the plugin's database. */
export class SignalStore {
  constructor(private readonly db: Knex) {}

  /** Inserts or updates a signal (by id), with the entities it maps to. */
  async upsert(signal: Signal, ownerRef: string | null = null): Promise<void> {
    const valid = signalSchema.parse(signal);
    const row = {
      id: valid.id,
      fingerprint: valid.fingerprint,
      cluster: valid.cluster,
      detector: valid.detector,
      severity: valid.severity,
      status: valid.status,
      object_ref: formatObjectRef(valid.object),
      workload_ref: formatObjectRef(valid.workload),
      namespace: valid.object.namespace ?? valid.workload.namespace ?? null,
      owner_ref: ownerRef ? lower(ownerRef) : null,
      first_seen: ms(valid.firstSeen)!,
      last_seen: ms(valid.lastSeen)!,
      resolved_at: ms(valid.resolvedAt),
      count: valid.count,
      body: JSON.stringify(valid),
    };
    await this.db.transaction(async tx => {
      await tx(SIGNALS_TABLE).insert(row).onConflict('id').merge();
      await tx(SIGNAL_ENTITIES_TABLE).where({ signal_id: valid.id }).delete();
      const refs = [...new Set(valid.entityRefs.map(lower))];
      if (refs.length) {
        await tx(SIGNAL_ENTITIES_TABLE).insert(
          refs.map(entity_ref => ({ signal_id: valid.id, entity_ref })),
        );
      }
    });
  }

  async get(id: string): Promise<Signal | undefined> {
    const row = await this.db(SIGNALS_TABLE).where({ id }).first();
    return row ? JSON.parse(row.body) : undefined;
  }

  /** Signals still active (to carry them on after a restart). */
  async active(cluster: string): Promise<Signal[]> {
    const rows = await this.db(SIGNALS_TABLE).where({
      cluster,
      status: 'active',
    });
    return rows.map(row => JSON.parse(row.body));
  }

  async list(
    options: ListSignalsOptions,
  ): Promise<{ items: Signal[]; nextCursor?: string }> {
    const query = this.db(SIGNALS_TABLE).select('id', 'first_seen', 'body');
    if (options.statuses?.length) query.whereIn('status', options.statuses);
    if (options.cluster) query.where('cluster', options.cluster);
    if (options.detectors?.length) query.whereIn('detector', options.detectors);
    if (options.since !== undefined)
      query.where('first_seen', '>=', options.since);
    if (options.entityRefs?.length) {
      query.whereIn(
        'id',
        this.db(SIGNAL_ENTITIES_TABLE)
          .select('signal_id')
          .whereIn('entity_ref', options.entityRefs.map(lower)),
      );
    }
    if (options.filter) query.where(inner => options.filter!(inner));
    if (options.cursor) {
      const [firstSeen, id] = decodeCursor(options.cursor);
      query.where(inner =>
        inner
          .where('first_seen', '<', firstSeen)
          .orWhere(tie =>
            tie.where('first_seen', firstSeen).where('id', '<', id),
          ),
      );
    }
    const rows = await query
      .orderBy([
        { column: 'first_seen', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(options.limit + 1);
    const items = rows
      .slice(0, options.limit)
      .map(row => JSON.parse(row.body) as Signal);
    if (rows.length > options.limit) {
      const last = rows[options.limit - 1];
      return {
        items,
        nextCursor: encodeCursor(Number(last.first_seen), last.id),
      };
    }
    return { items };
  }

  /** The latest signal of each fingerprint given. */
  async byFingerprints(fingerprints: string[]): Promise<Signal[]> {
    const out = new Map<string, { lastSeen: number; signal: Signal }>();
    for (let i = 0; i < fingerprints.length; i += 500) {
      const rows = await this.db(SIGNALS_TABLE)
        .select('fingerprint', 'last_seen', 'body')
        .whereIn('fingerprint', fingerprints.slice(i, i + 500));
      for (const row of rows) {
        const lastSeen = Number(row.last_seen);
        const known = out.get(row.fingerprint);
        if (!known || known.lastSeen < lastSeen) {
          out.set(row.fingerprint, { lastSeen, signal: JSON.parse(row.body) });
        }
      }
    }
    return [...out.values()]
      .map(v => v.signal)
      .sort((a, b) => a.firstSeen.localeCompare(b.firstSeen));
  }

  /** The detector of each signal fingerprint given (one per fingerprint). */
  async detectorsOf(fingerprints: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (let i = 0; i < fingerprints.length; i += 500) {
      const rows = await this.db(SIGNALS_TABLE)
        .distinct('fingerprint', 'detector')
        .whereIn('fingerprint', fingerprints.slice(i, i + 500));
      for (const row of rows) out.set(row.fingerprint, row.detector);
    }
    return out;
  }

  async insertChange(change: Change): Promise<void> {
    await this.db(CHANGES_TABLE)
      .insert({
        id: change.id,
        cluster: change.cluster,
        kind: change.kind,
        object_ref: formatObjectRef(change.object),
        at: Date.parse(change.at),
        body: JSON.stringify(change),
      })
      .onConflict('id')
      .merge();
  }

  async listChanges(options: {
    cluster?: string;
    objectRefs?: string[];
    since?: number;
    until?: number;
    limit: number;
  }): Promise<Change[]> {
    const query = this.db(CHANGES_TABLE).select('body');
    if (options.cluster) query.where('cluster', options.cluster);
    if (options.objectRefs?.length)
      query.whereIn('object_ref', options.objectRefs);
    if (options.since !== undefined) query.where('at', '>=', options.since);
    if (options.until !== undefined) query.where('at', '<=', options.until);
    const rows = await query.orderBy('at', 'desc').limit(options.limit);
    return rows.map(row => JSON.parse(row.body));
  }
}
