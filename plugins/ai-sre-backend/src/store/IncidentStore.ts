import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { decodeCursor, encodeCursor } from './cursor';
import {
  AgentTraceEntry,
  Incident,
  IncidentSeverity,
  IncidentStatus,
  RootCauseCategory,
} from '@internal/plugin-ai-sre-common';
import { Knex } from 'knex';

const migrationsDir = resolvePackagePath(
  '@internal/plugin-ai-sre-backend',
  'migrations',
);

/** The table incidents live in. */
export const INCIDENTS_TABLE = 'ai_sre_incidents';
/** Which entities an incident concerns, for search by entity. */
export const INCIDENT_ENTITIES_TABLE = 'ai_sre_incident_entities';

/** Entity refs are case-insensitive; they are stored lower-cased. */
function normalizeRef(ref: string): string {
  return ref.toLocaleLowerCase('en-US');
}

/** A database row of {@link INCIDENTS_TABLE}. */
export interface IncidentRow {
  id: string;
  title: string;
  summary: string;
  entity_ref: string | null;
  impacted_entity_refs: string;
  owner_ref: string | null;
  system_ref: string | null;
  cluster: string;
  namespace: string | null;
  severity: string;
  status: string;
  category: string | null;
  started_at: number | string;
  opened_at: number | string;
  acknowledged_at: number | string | null;
  resolved_at: number | string | null;
  updated_at: number | string;
  group_key?: string | null;
  fingerprints?: string;
  analysis?: string;
  thread_state?: string;
  last_signal_at?: number | string | null;
}

/** Where an incident's workflow thread stands. */
export type ThreadState = 'running' | 'awaiting-approval' | 'done';

/** Statuses in which an incident is still being worked on. */
export const ACTIVE_INCIDENT_STATUSES: IncidentStatus[] = [
  'open',
  'acknowledged',
  'mitigating',
];

export type { AgentTraceEntry };

/** The table of agent trace entries. */
export const AGENT_TRACES_TABLE = 'ai_sre_agent_traces';

/** What the reasoning engine keeps beside an incident. */
export interface IncidentWork {
  incident: Incident;
  groupKey: string | null;
  fingerprints: string[];
  /** The workflow's analysis (hypotheses, plan, decision) as JSON data. */
  analysis: Record<string, unknown>;
  threadState: ThreadState;
  lastSignalAt: number | null;
}

/** Fields an update may change; absent fields stay as they are. */
export interface IncidentPatch {
  title?: string;
  summary?: string;
  entityRef?: string | null;
  impactedEntityRefs?: string[];
  ownerRef?: string | null;
  systemRef?: string | null;
  namespace?: string | null;
  severity?: IncidentSeverity;
  status?: IncidentStatus;
  category?: RootCauseCategory | null;
  acknowledgedAt?: Date | null;
  resolvedAt?: Date | null;
  groupKey?: string | null;
  fingerprints?: string[];
  analysis?: Record<string, unknown>;
  threadState?: ThreadState;
  lastSignalAt?: Date | null;
}

/** What a caller supplies to open an incident. */
export interface NewIncident {
  id: string;
  title: string;
  summary?: string;
  entityRef: string | null;
  impactedEntityRefs?: string[];
  ownerRef: string | null;
  systemRef?: string | null;
  cluster: string;
  namespace: string | null;
  severity: IncidentSeverity;
  status?: IncidentStatus;
  category?: RootCauseCategory | null;
  startedAt: Date;
  openedAt: Date;
  groupKey?: string | null;
  fingerprints?: string[];
  analysis?: Record<string, unknown>;
  threadState?: ThreadState;
  lastSignalAt?: Date | null;
}

/**
 * A filter applied inside the SQL query; permission conditions become one of
 * these so that a list never loads rows the caller may not read.
 */
export type IncidentQueryFilter = (query: Knex.QueryBuilder) => void;

export interface ListIncidentsOptions {
  entityRefs?: string[];
  statuses?: IncidentStatus[];
  severities?: IncidentSeverity[];
  ownerRefs?: string[];
  systemRefs?: string[];
  namespaces?: string[];
  clusters?: string[];
  categories?: RootCauseCategory[];
  /** Opened at or after (epoch ms). */
  from?: number;
  /** Opened before (epoch ms). */
  to?: number;
  /** Free text over title and summary (case-insensitive). */
  text?: string;
  limit: number;
  cursor?: string;
  /** Extra filters, e.g. from permission conditions. */
  filter?: IncidentQueryFilter;
}

export interface IncidentPage {
  items: Incident[];
  nextCursor?: string;
}

function toMillis(value: number | string): number {
  return typeof value === 'number' ? value : Number(value);
}

function toIso(value: number | string | null): string | null {
  return value === null ? null : new Date(toMillis(value)).toISOString();
}

function rowToWork(row: IncidentRow): IncidentWork {
  return {
    incident: rowToIncident(row),
    groupKey: row.group_key ?? null,
    fingerprints: JSON.parse(row.fingerprints ?? '[]'),
    analysis: JSON.parse(row.analysis ?? '{}'),
    threadState: (row.thread_state ?? 'done') as ThreadState,
    lastSignalAt:
      row.last_signal_at === null || row.last_signal_at === undefined
        ? null
        : toMillis(row.last_signal_at),
  };
}

function entityRows(
  incidentId: string,
  entityRef: string | null,
  impacted: string[],
) {
  return [
    ...(entityRef ? [{ entity_ref: entityRef, role: 'culprit' }] : []),
    ...impacted.map(ref => ({ entity_ref: ref, role: 'impacted' })),
  ].map(entity => ({ incident_id: incidentId, ...entity }));
}

function rowToIncident(row: IncidentRow): Incident {
  return {
    id: row.id,
    title: row.title,
    summary: row.summary,
    entityRef: row.entity_ref,
    impactedEntityRefs: JSON.parse(row.impacted_entity_refs),
    ownerRef: row.owner_ref,
    systemRef: row.system_ref,
    cluster: row.cluster,
    namespace: row.namespace,
    severity: row.severity as IncidentSeverity,
    status: row.status as IncidentStatus,
    category: row.category as RootCauseCategory | null,
    startedAt: toIso(row.started_at)!,
    openedAt: toIso(row.opened_at)!,
    acknowledgedAt: toIso(row.acknowledged_at),
    resolvedAt: toIso(row.resolved_at),
    updatedAt: toIso(row.updated_at)!,
  };
}

/**
 * Incidents in the plugin's own database (SQLite or PostgreSQL).
 */
export class IncidentStore {
  static async create(options: {
    database: DatabaseService;
    skipMigrations?: boolean;
  }): Promise<IncidentStore> {
    const client = await options.database.getClient();
    const skip =
      options.skipMigrations ?? options.database.migrations?.skip ?? false;
    if (!skip) {
      await IncidentStore.migrate(client);
    }
    return new IncidentStore(client);
  }

  static async migrate(client: Knex): Promise<void> {
    await client.migrate.latest({ directory: migrationsDir });
  }

  static async rollbackAll(client: Knex): Promise<void> {
    await client.migrate.rollback({ directory: migrationsDir }, true);
  }

  constructor(private readonly db: Knex) {}

  private isPostgres(): boolean {
    const client = this.db.client.config.client;
    return typeof client === 'string' && /^(pg|postgres)/.test(client);
  }

  async insert(incident: NewIncident): Promise<Incident> {
    const now = incident.openedAt.getTime();
    const entityRef = incident.entityRef && normalizeRef(incident.entityRef);
    const impacted = [
      ...new Set((incident.impactedEntityRefs ?? []).map(normalizeRef)),
    ].filter(ref => ref !== entityRef);
    const row: IncidentRow = {
      id: incident.id,
      title: incident.title,
      summary: incident.summary ?? '',
      entity_ref: entityRef,
      impacted_entity_refs: JSON.stringify(impacted),
      owner_ref: incident.ownerRef && normalizeRef(incident.ownerRef),
      system_ref: incident.systemRef ? normalizeRef(incident.systemRef) : null,
      cluster: incident.cluster,
      namespace: incident.namespace,
      severity: incident.severity,
      status: incident.status ?? 'open',
      category: incident.category ?? null,
      started_at: incident.startedAt.getTime(),
      opened_at: now,
      acknowledged_at: null,
      resolved_at: null,
      updated_at: now,
      group_key: incident.groupKey ?? null,
      fingerprints: JSON.stringify(incident.fingerprints ?? []),
      analysis: JSON.stringify(incident.analysis ?? {}),
      thread_state: incident.threadState ?? 'done',
      last_signal_at: incident.lastSignalAt?.getTime() ?? null,
    };
    const entities = entityRows(incident.id, entityRef, impacted);
    await this.db.transaction(async tx => {
      await tx<IncidentRow>(INCIDENTS_TABLE).insert(row);
      if (entities.length) {
        await tx(INCIDENT_ENTITIES_TABLE).insert(entities);
      }
    });
    return rowToIncident(row);
  }

  async get(id: string): Promise<Incident | undefined> {
    const row = await this.db<IncidentRow>(INCIDENTS_TABLE)
      .where({ id })
      .first();
    return row ? rowToIncident(row) : undefined;
  }

  /**
   * Changes the given fields (and `updated_at`); entity search rows follow
   * the culprit and impacted refs. Returns the incident as it is now, or
   * undefined when the id is unknown.
   */
  async update(
    id: string,
    patch: IncidentPatch,
    now: Date,
  ): Promise<Incident | undefined> {
    return this.db.transaction(async tx => {
      const current = await tx<IncidentRow>(INCIDENTS_TABLE)
        .where({ id })
        .first();
      if (!current) return undefined;
      const changes: Partial<IncidentRow> = { updated_at: now.getTime() };
      const set = <K extends keyof IncidentPatch>(
        key: K,
        column: keyof IncidentRow,
        map: (value: NonNullable<IncidentPatch[K]>) => unknown = v => v,
      ) => {
        if (!(key in patch) || patch[key] === undefined) return;
        const value = patch[key];
        (changes as Record<string, unknown>)[column] =
          value === null ? null : map(value as NonNullable<IncidentPatch[K]>);
      };
      set('title', 'title');
      set('summary', 'summary');
      set('entityRef', 'entity_ref', v => normalizeRef(v));
      set('ownerRef', 'owner_ref', v => normalizeRef(v));
      set('systemRef', 'system_ref', v => normalizeRef(v));
      set('namespace', 'namespace');
      set('severity', 'severity');
      set('status', 'status');
      set('category', 'category');
      set('acknowledgedAt', 'acknowledged_at', v => v.getTime());
      set('resolvedAt', 'resolved_at', v => v.getTime());
      set('groupKey', 'group_key');
      set('fingerprints', 'fingerprints', v => JSON.stringify(v));
      set('analysis', 'analysis', v => JSON.stringify(v));
      set('threadState', 'thread_state');
      set('lastSignalAt', 'last_signal_at', v => v.getTime());

      const entityRef =
        'entity_ref' in changes
          ? (changes.entity_ref as string | null)
          : current.entity_ref;
      const impacted = [
        ...new Set(
          (
            patch.impactedEntityRefs ??
            (JSON.parse(current.impacted_entity_refs) as string[])
          ).map(normalizeRef),
        ),
      ].filter(ref => ref !== entityRef);
      changes.impacted_entity_refs = JSON.stringify(impacted);

      await tx<IncidentRow>(INCIDENTS_TABLE).where({ id }).update(changes);
      if (patch.entityRef !== undefined || patch.impactedEntityRefs) {
        await tx(INCIDENT_ENTITIES_TABLE).where({ incident_id: id }).delete();
        const entities = entityRows(id, entityRef, impacted);
        if (entities.length) await tx(INCIDENT_ENTITIES_TABLE).insert(entities);
      }
      const row = await tx<IncidentRow>(INCIDENTS_TABLE).where({ id }).first();
      return row ? rowToIncident(row) : undefined;
    });
  }

  /**
   * Moves the workflow thread from one state to another only if it is in
   * `from`: true for exactly one caller, however many race for it.
   */
  async claimThreadState(
    id: string,
    from: ThreadState,
    to: ThreadState,
    now: Date,
  ): Promise<boolean> {
    const changed = await this.db<IncidentRow>(INCIDENTS_TABLE)
      .where({ id, thread_state: from })
      .update({ thread_state: to, updated_at: now.getTime() });
    return changed === 1;
  }

  /** An incident with the reasoning engine's bookkeeping. */
  async getWork(id: string): Promise<IncidentWork | undefined> {
    const row = await this.db<IncidentRow>(INCIDENTS_TABLE)
      .where({ id })
      .first();
    return row ? rowToWork(row) : undefined;
  }

  /**
   * What the reasoning engine matches new signal groups against in one
   * cluster: incidents still being worked on, and those closed at or after
   * `closedSince` (epoch ms), which a recurrence re-opens.
   */
  async listForReasoning(
    cluster: string,
    closedSince: number,
  ): Promise<IncidentWork[]> {
    const rows = await this.db<IncidentRow>(INCIDENTS_TABLE)
      .where({ cluster })
      .where(inner =>
        inner
          .whereIn('status', ACTIVE_INCIDENT_STATUSES)
          .orWhere('resolved_at', '>=', closedSince)
          .orWhere(fp =>
            fp
              .where('status', 'false-positive')
              .where('updated_at', '>=', closedSince),
          ),
      )
      .orderBy([
        { column: 'opened_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ]);
    return rows.map(rowToWork);
  }

  /**
   * Incidents opened in a time range with their bookkeeping (for the
   * reliability figures), permission filters applied in the query.
   */
  async listWork(options: {
    from: number;
    to: number;
    filter?: IncidentQueryFilter;
    limit: number;
  }): Promise<IncidentWork[]> {
    const query = this.db<IncidentRow>(INCIDENTS_TABLE)
      .where('opened_at', '>=', options.from)
      .where('opened_at', '<', options.to);
    if (options.filter) query.where(inner => options.filter!(inner));
    const rows = await query.orderBy('opened_at', 'desc').limit(options.limit);
    return rows.map(rowToWork);
  }

  /** Incidents whose workflow thread is in one of the given states. */
  async listByThreadState(states: ThreadState[]): Promise<IncidentWork[]> {
    const rows = await this.db<IncidentRow>(INCIDENTS_TABLE)
      .whereIn('thread_state', states)
      .orderBy([
        { column: 'opened_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ]);
    return rows.map(rowToWork);
  }

  async appendTrace(incidentId: string, entry: AgentTraceEntry): Promise<void> {
    await this.db(AGENT_TRACES_TABLE).insert({
      incident_id: incidentId,
      node: entry.node,
      input: entry.input,
      output: entry.output,
      duration_ms: Math.round(entry.durationMs),
      model_usage: entry.modelUsage ? JSON.stringify(entry.modelUsage) : null,
      at: Date.parse(entry.at),
    });
  }

  /** The agent trace of an incident, oldest first. */
  async listTraces(incidentId: string): Promise<AgentTraceEntry[]> {
    const rows = await this.db(AGENT_TRACES_TABLE)
      .where({ incident_id: incidentId })
      .orderBy('id', 'asc');
    return rows.map(row => ({
      node: row.node,
      input: row.input,
      output: row.output,
      durationMs: Number(row.duration_ms),
      ...(row.model_usage ? { modelUsage: JSON.parse(row.model_usage) } : {}),
      at: new Date(toMillis(row.at)).toISOString(),
    }));
  }

  /** Incidents by id, in the order asked, `undefined` where unknown. */
  async getMany(ids: string[]): Promise<Array<Incident | undefined>> {
    if (ids.length === 0) {
      return [];
    }
    const rows = await this.db<IncidentRow>(INCIDENTS_TABLE).whereIn('id', ids);
    const byId = new Map(rows.map(row => [row.id, rowToIncident(row)]));
    return ids.map(id => byId.get(id));
  }

  /** Newest first, by (opened_at, id), with keyset pagination. */
  async list(options: ListIncidentsOptions): Promise<IncidentPage> {
    const query = this.db<IncidentRow>(INCIDENTS_TABLE).select(
      `${INCIDENTS_TABLE}.*`,
    );
    if (options.entityRefs?.length) {
      // The entities' incidents first (an index lookup), then those rows:
      // a catalog-scoped search never walks the whole table by time.
      query.join(
        this.db(INCIDENT_ENTITIES_TABLE)
          .distinct('incident_id')
          .whereIn('entity_ref', options.entityRefs.map(normalizeRef))
          .as('scoped'),
        'scoped.incident_id',
        `${INCIDENTS_TABLE}.id`,
      );
    }
    if (options.statuses?.length) {
      query.whereIn('status', options.statuses);
    }
    if (options.severities?.length) {
      query.whereIn('severity', options.severities);
    }
    if (options.ownerRefs?.length) {
      query.whereIn('owner_ref', options.ownerRefs.map(normalizeRef));
    }
    if (options.systemRefs?.length) {
      query.whereIn('system_ref', options.systemRefs.map(normalizeRef));
    }
    if (options.namespaces?.length) {
      query.whereIn('namespace', options.namespaces);
    }
    if (options.clusters?.length) {
      query.whereIn('cluster', options.clusters);
    }
    if (options.categories?.length) {
      query.whereIn('category', options.categories);
    }
    if (options.from !== undefined)
      query.where('opened_at', '>=', options.from);
    if (options.to !== undefined) query.where('opened_at', '<', options.to);
    if (options.text && this.isPostgres()) {
      // The GIN full-text index of the search migration answers this.
      // Words only: "./ranker" and "crash-looping" are found by their parts.
      query.whereRaw(`search_vector @@ plainto_tsquery('simple', ?)`, [
        options.text.replace(/[^\p{L}\p{N}]+/gu, ' '),
      ]);
    } else if (options.text) {
      const words = options.text
        .toLocaleLowerCase('en-US')
        .split(/\s+/)
        .filter(Boolean)
        .slice(0, 8);
      for (const word of words) {
        const like = `%${word.replace(/[\\%_]/g, c => `\\${c}`)}%`;
        query.where(inner =>
          inner
            .whereRaw(`lower(title) like ? escape '\\'`, [like])
            .orWhereRaw(`lower(summary) like ? escape '\\'`, [like]),
        );
      }
    }
    if (options.filter) {
      query.where(inner => options.filter!(inner));
    }
    if (options.cursor) {
      const [openedAt, id] = decodeCursor(options.cursor);
      query.where(inner =>
        inner
          .where('opened_at', '<', openedAt)
          .orWhere(tie =>
            tie.where('opened_at', openedAt).where('id', '<', id),
          ),
      );
    }
    const rows = await query
      .orderBy([
        { column: 'opened_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(options.limit + 1);
    const items = rows.slice(0, options.limit).map(rowToIncident);
    if (rows.length > options.limit) {
      const last = rows[options.limit - 1];
      return {
        items,
        nextCursor: encodeCursor(toMillis(last.opened_at), last.id),
      };
    }
    return { items };
  }
}
