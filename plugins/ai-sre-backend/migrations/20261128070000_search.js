/*
 * Incident search: on PostgreSQL, a GIN full-text index over title and
 * summary (the free-text filter uses it); on SQLite the filter scans.
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('ai_sre_incidents', table => {
    table.index(['system_ref', 'opened_at'], 'ai_sre_incidents_system_idx');
    table.index(['namespace', 'opened_at'], 'ai_sre_incidents_namespace_idx');
    table.index(['category', 'opened_at'], 'ai_sre_incidents_category_idx');
  });
  if (knex.client.config.client === 'pg') {
    await knex.raw(
      `CREATE INDEX ai_sre_incidents_text_idx ON ai_sre_incidents USING GIN (to_tsvector('simple', regexp_replace(title || ' ' || summary, '[^[:alnum:]]+', ' ', 'g')))`,
    );
  }
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  if (knex.client.config.client === 'pg') {
    await knex.raw('DROP INDEX IF EXISTS ai_sre_incidents_text_idx');
  }
  await knex.schema.alterTable('ai_sre_incidents', table => {
    table.dropIndex(['system_ref', 'opened_at'], 'ai_sre_incidents_system_idx');
    table.dropIndex(
      ['namespace', 'opened_at'],
      'ai_sre_incidents_namespace_idx',
    );
    table.dropIndex(['category', 'opened_at'], 'ai_sre_incidents_category_idx');
  });
};
