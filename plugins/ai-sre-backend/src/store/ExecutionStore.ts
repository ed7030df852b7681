import { Knex } from 'knex';

export const EXECUTIONS_TABLE = 'ai_sre_executions';

export type ExecutionStatus =
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'dry-run'
  | 'rolled-back';

/** One operation of an executed step, as recorded. */
export interface ExecutedOperation {
  type: 'patch' | 'evict' | 'delete';
  object: {
    apiVersion: string;
    kind: string;
    namespace?: string;
    name: string;
  };
  summary: string;
  /** The patch sent (dry-run first, then for real) and its content type. */
  patch?: unknown;
  strategy?: string;
  /** What the server-side dry-run said would change. */
  diff: Array<{ path: string; before: unknown; after: unknown }>;
  /** The object before the change (for rollback); absent for evictions and deletions. */
  snapshot?: Record<string, unknown>;
  status: 'pending' | 'dry-run' | 'applied' | 'failed' | 'reverted';
  error?: string;
}

export interface ExecutedStep {
  action: string;
  status: 'noted' | 'dry-run' | 'applied' | 'failed' | 'skipped' | 'reverted';
  operations: ExecutedOperation[];
  error?: string;
}

export interface ExecutionRecord {
  id: string;
  incidentId: string;
  planHash: string;
  cluster: string;
  status: ExecutionStatus;
  dryRun: boolean;
  requestedBy: string | null;
  steps: ExecutedStep[];
  details: string;
  startedAt: string;
  finishedAt: string | null;
}

function toRecord(row: any): ExecutionRecord {
  return {
    id: row.id,
    incidentId: row.incident_id,
    planHash: row.plan_hash,
    cluster: row.cluster,
    status: row.status,
    dryRun: Boolean(row.dry_run),
    requestedBy: row.requested_by,
    steps: JSON.parse(row.steps),
    details: row.details,
    startedAt: new Date(Number(row.started_at)).toISOString(),
    finishedAt:
      row.finished_at === null
        ? null
        : new Date(Number(row.finished_at)).toISOString(),
  };
}

/** Executions of fix plans, claimed exactly once per incident and plan. */
export class ExecutionStore {
  constructor(private readonly db: Knex) {}

  /**
   * Claims the execution of a plan: returns the new record, or the
   * existing one when this plan of this incident was already claimed (by
   * this process before a restart, another replica, or a second click).
   */
  async claim(record: {
    id: string;
    incidentId: string;
    planHash: string;
    cluster: string;
    dryRun: boolean;
    requestedBy: string | null;
    startedAt: number;
  }): Promise<{ claimed: boolean; record: ExecutionRecord }> {
    await this.db(EXECUTIONS_TABLE)
      .insert({
        id: record.id,
        incident_id: record.incidentId,
        plan_hash: record.planHash,
        cluster: record.cluster,
        status: 'running',
        dry_run: record.dryRun,
        requested_by: record.requestedBy,
        steps: '[]',
        details: '',
        started_at: record.startedAt,
        finished_at: null,
      })
      .onConflict(['incident_id', 'plan_hash'])
      .ignore();
    const row = await this.db(EXECUTIONS_TABLE)
      .where({ incident_id: record.incidentId, plan_hash: record.planHash })
      .first();
    // The id is fresh for every attempt: the row is ours only if we wrote it.
    return { claimed: row.id === record.id, record: toRecord(row) };
  }

  async update(
    id: string,
    patch: {
      status?: ExecutionStatus;
      steps?: ExecutedStep[];
      details?: string;
      finishedAt?: number | null;
    },
  ): Promise<void> {
    await this.db(EXECUTIONS_TABLE)
      .where({ id })
      .update({
        ...(patch.status ? { status: patch.status } : {}),
        ...(patch.steps ? { steps: JSON.stringify(patch.steps) } : {}),
        ...(patch.details !== undefined ? { details: patch.details } : {}),
        ...(patch.finishedAt !== undefined
          ? { finished_at: patch.finishedAt }
          : {}),
      });
  }

  async get(id: string): Promise<ExecutionRecord | undefined> {
    const row = await this.db(EXECUTIONS_TABLE).where({ id }).first();
    return row ? toRecord(row) : undefined;
  }

  /** Outcomes of the executions of many incidents. */
  async statusesFor(
    incidentIds: string[],
  ): Promise<Map<string, Array<{ status: string }>>> {
    const out = new Map<string, Array<{ status: string }>>();
    for (let i = 0; i < incidentIds.length; i += 500) {
      const rows = await this.db(EXECUTIONS_TABLE)
        .select('incident_id', 'status')
        .whereIn('incident_id', incidentIds.slice(i, i + 500));
      for (const row of rows) {
        out.set(row.incident_id, [
          ...(out.get(row.incident_id) ?? []),
          { status: row.status },
        ]);
      }
    }
    return out;
  }

  async listForIncident(incidentId: string): Promise<ExecutionRecord[]> {
    const rows = await this.db(EXECUTIONS_TABLE)
      .where({ incident_id: incidentId })
      .orderBy('started_at', 'asc');
    return rows.map(toRecord);
  }

  /** Executions that changed something in the last `sinceMs` for these incidents' entities. */
  async countSince(incidentIds: string[], since: number): Promise<number> {
    if (!incidentIds.length) return 0;
    const [row] = await this.db(EXECUTIONS_TABLE)
      .whereIn('incident_id', incidentIds)
      .where('started_at', '>=', since)
      .whereNot('status', 'dry-run')
      .count({ n: '*' });
    return Number(row.n);
  }
}
