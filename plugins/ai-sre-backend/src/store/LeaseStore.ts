import { Knex } from 'knex';

export const LEASES_TABLE = 'ai_sre_leases';

/**
 * Leases in the shared database: a duty (watching a cluster) is done by the
 * replica that holds its lease. Acquiring is one conditional write, so two
 * replicas never both hold a lease.
 */
export class LeaseStore {
  constructor(private readonly db: Knex) {}

  /**
   * Takes or renews the lease when it is free, expired, or already ours.
   * Returns whether `holder` holds it afterwards.
   */
  async tryAcquire(
    name: string,
    holder: string,
    now: number,
    ttlMs: number,
  ): Promise<boolean> {
    const expiresAt = now + ttlMs;
    const updated = await this.db(LEASES_TABLE)
      .where({ name })
      .andWhere(inner =>
        inner.where({ holder }).orWhere('expires_at', '<', now),
      )
      .update({ holder, expires_at: expiresAt });
    if (updated > 0) return true;
    try {
      await this.db(LEASES_TABLE).insert({
        name,
        holder,
        expires_at: expiresAt,
      });
      return true;
    } catch {
      // Someone else holds it (the insert hit the primary key).
      return false;
    }
  }

  async release(name: string, holder: string): Promise<void> {
    await this.db(LEASES_TABLE).where({ name, holder }).delete();
  }

  async holder(name: string, now: number): Promise<string | undefined> {
    const row = await this.db(LEASES_TABLE).where({ name }).first();
    return row && Number(row.expires_at) >= now ? row.holder : undefined;
  }
}
