import { Knex } from 'knex';

export const AUDIT_TABLE = 'ai_sre_audit';
export const KILL_SWITCHES_TABLE = 'ai_sre_kill_switches';

export type AuditAction =
  | 'incident.acknowledge'
  | 'incident.resolve'
  | 'incident.false-positive'
  | 'plan.approve'
  | 'plan.adjust'
  | 'plan.reject'
  | 'plan.execute'
  | 'execution.rollback'
  | 'execution.verify'
  | 'execution.auto-rollback'
  | 'plan.expire'
  | 'kill-switch.set';

export interface AuditEntry {
  id: number;
  /** ISO 8601. */
  at: string;
  actor: string;
  action: AuditAction;
  incidentId: string | null;
  entityRef: string | null;
  executionId: string | null;
  outcome: 'succeeded' | 'failed' | 'refused';
  details: Record<string, unknown>;
}

export interface KillSwitchState {
  global: {
    enabled: boolean;
    reason: string;
    updatedBy: string | null;
    updatedAt: string | null;
  };
  entities: Array<{
    entityRef: string;
    reason: string;
    updatedBy: string;
    updatedAt: string;
  }>;
}

/** The audit log (append-only) and the runtime kill-switches. */
export class ControlStore {
  constructor(private readonly db: Knex) {}

  async audit(
    entry: Omit<AuditEntry, 'id' | 'at'> & { at: number },
  ): Promise<void> {
    await this.db(AUDIT_TABLE).insert({
      at: entry.at,
      actor: entry.actor,
      action: entry.action,
      incident_id: entry.incidentId,
      entity_ref: entry.entityRef,
      execution_id: entry.executionId,
      outcome: entry.outcome,
      details: JSON.stringify(entry.details),
    });
  }

  async listAudit(options: {
    incidentId?: string;
    limit: number;
  }): Promise<AuditEntry[]> {
    const query = this.db(AUDIT_TABLE).select('*');
    if (options.incidentId) query.where('incident_id', options.incidentId);
    const rows = await query.orderBy('id', 'desc').limit(options.limit);
    return rows.map(row => ({
      id: Number(row.id),
      at: new Date(Number(row.at)).toISOString(),
      actor: row.actor,
      action: row.action,
      incidentId: row.incident_id,
      entityRef: row.entity_ref,
      executionId: row.execution_id,
      outcome: row.outcome,
      details: JSON.parse(row.details),
    }));
  }

  async setKillSwitch(options: {
    scope: 'global' | string;
    enabled: boolean;
    reason: string;
    by: string;
    at: number;
  }): Promise<void> {
    const scope =
      options.scope === 'global'
        ? 'global'
        : options.scope.toLocaleLowerCase('en-US');
    await this.db(KILL_SWITCHES_TABLE)
      .insert({
        scope,
        enabled: options.enabled,
        reason: options.reason,
        updated_by: options.by,
        updated_at: options.at,
      })
      .onConflict('scope')
      .merge();
  }

  async killSwitches(): Promise<KillSwitchState> {
    const rows = await this.db(KILL_SWITCHES_TABLE).select('*');
    const global = rows.find(r => r.scope === 'global');
    return {
      global: {
        enabled: Boolean(global?.enabled),
        reason: global?.reason ?? '',
        updatedBy: global?.updated_by ?? null,
        updatedAt: global
          ? new Date(Number(global.updated_at)).toISOString()
          : null,
      },
      entities: rows
        .filter(r => r.scope !== 'global' && r.enabled)
        .map(r => ({
          entityRef: r.scope,
          reason: r.reason,
          updatedBy: r.updated_by,
          updatedAt: new Date(Number(r.updated_at)).toISOString(),
        })),
    };
  }
}
