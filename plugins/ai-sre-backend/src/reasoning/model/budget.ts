/**
 * Token budgets of model calls: per incident and per (UTC) day of the
 * injected clock. Checked before a call, recorded after it.
 */
import type { Knex } from 'knex';
import type { ModelUsage } from './types';

/** The table usage is recorded in (migration `20261128040000_model_usage`). */
export const MODEL_USAGE_TABLE = 'ai_sre_model_usage';

export interface TokenLimits {
  maxTokensPerIncident: number;
  maxTokensPerDay: number;
}

/** Tokens still available. */
export interface RemainingTokens {
  incident: number;
  day: number;
}

export interface TokenBudget {
  /** Tokens left for the incident and for the day `now` falls in. */
  remaining(incidentId: string, now: number): Promise<RemainingTokens>;
  /** Records the tokens a call used (also when its output was discarded). */
  record(incidentId: string, now: number, usage: ModelUsage): Promise<void>;
}

/** `YYYY-MM-DD` (UTC) of an epoch ms time: the key of the daily budget. */
export function dayOf(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

function usedTokens(usage: ModelUsage): number {
  return Math.max(0, usage.inputTokens) + Math.max(0, usage.outputTokens);
}

function remainingOf(
  limits: TokenLimits,
  usedByIncident: number,
  usedToday: number,
): RemainingTokens {
  return {
    incident: Math.max(0, limits.maxTokensPerIncident - usedByIncident),
    day: Math.max(0, limits.maxTokensPerDay - usedToday),
  };
}

/** Keeps usage in memory: tests, the offline CLI, and setups without a database. */
export class InMemoryTokenBudget implements TokenBudget {
  private readonly byIncident = new Map<string, number>();
  private readonly byDay = new Map<string, number>();

  constructor(private readonly limits: TokenLimits) {}

  async remaining(incidentId: string, now: number): Promise<RemainingTokens> {
    return remainingOf(
      this.limits,
      this.byIncident.get(incidentId) ?? 0,
      this.byDay.get(dayOf(now)) ?? 0,
    );
  }

  async record(
    incidentId: string,
    now: number,
    usage: ModelUsage,
  ): Promise<void> {
    const tokens = usedTokens(usage);
    const day = dayOf(now);
    this.byIncident.set(
      incidentId,
      (this.byIncident.get(incidentId) ?? 0) + tokens,
    );
    this.byDay.set(day, (this.byDay.get(day) ?? 0) + tokens);
  }
}

/** A database row of {@link MODEL_USAGE_TABLE}. */
interface ModelUsageRow {
  incident_id: string;
  day: string;
  provider: string;
  model: string;
  input_tokens: number;
  output_tokens: number;
  at: number;
}

/**
 * Usage in the plugin's database, shared by every backend replica. The
 * table comes from the plugin's migrations (run by the stores).
 */
export class KnexTokenBudget implements TokenBudget {
  constructor(
    private readonly db: Knex,
    private readonly limits: TokenLimits,
  ) {}

  private async sum(column: 'incident_id' | 'day', value: string) {
    const row = await this.db(MODEL_USAGE_TABLE)
      .where(column, value)
      .sum({ input: 'input_tokens', output: 'output_tokens' })
      .first();
    // PostgreSQL returns sums of integers as strings; empty sums are null.
    return Number(row?.input ?? 0) + Number(row?.output ?? 0);
  }

  async remaining(incidentId: string, now: number): Promise<RemainingTokens> {
    const [usedByIncident, usedToday] = await Promise.all([
      this.sum('incident_id', incidentId),
      this.sum('day', dayOf(now)),
    ]);
    return remainingOf(this.limits, usedByIncident, usedToday);
  }

  async record(
    incidentId: string,
    now: number,
    usage: ModelUsage,
  ): Promise<void> {
    const row: ModelUsageRow = {
      incident_id: incidentId,
      day: dayOf(now),
      provider: usage.provider,
      model: usage.model,
      input_tokens: Math.max(0, Math.round(usage.inputTokens)),
      output_tokens: Math.max(0, Math.round(usage.outputTokens)),
      at: now,
    };
    await this.db(MODEL_USAGE_TABLE).insert(row);
  }
}
