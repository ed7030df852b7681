import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { decodeCursor, encodeCursor } from './cursor';
import {
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
    };
    const entities = [
      ...(entityRef ? [{ entity_ref: entityRef, role: 'culprit' }] : []),
      ...impacted.map(ref => ({ entity_ref: ref, role: 'impacted' })),
    ].map(entity => ({ incident_id: incident.id, ...entity }));
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
    const query = this.db<IncidentRow>(INCIDENTS_TABLE).select('*');
    if (options.entityRefs?.length) {
      query.whereIn(
        'id',
        this.db(INCIDENT_ENTITIES_TABLE)
          .select('incident_id')
          .whereIn('entity_ref', options.entityRefs.map(normalizeRef)),
      );
    }
    if (options.statuses?.length) {
      query.whereIn('status', options.statuses);
    }
    if (options.severities?.length) {
      query.whereIn('severity', options.severities);
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
