/*
 * PostgreSQL: the full-text search vector of an incident as a stored
 * generated column with its GIN index, so a search filters on a column
 * instead of recomputing the vector for every candidate row. Replaces the
 * expression index of the search migration.
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  if (knex.client.config.client !== 'pg') return;
  await knex.raw('DROP INDEX IF EXISTS ai_sre_incidents_text_idx');
  await knex.raw(
    `ALTER TABLE ai_sre_incidents ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (to_tsvector('simple', regexp_replace(title || ' ' || summary, '[^[:alnum:]]+', ' ', 'g'))) STORED`,
  );
  await knex.raw(
    'CREATE INDEX ai_sre_incidents_search_idx ON ai_sre_incidents USING GIN (search_vector)',
  );
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  if (knex.client.config.client !== 'pg') return;
  await knex.raw('DROP INDEX IF EXISTS ai_sre_incidents_search_idx');
  await knex.raw('ALTER TABLE ai_sre_incidents DROP COLUMN search_vector');
  await knex.raw(
    `CREATE INDEX ai_sre_incidents_text_idx ON ai_sre_incidents USING GIN (to_tsvector('simple', regexp_replace(title || ' ' || summary, '[^[:alnum:]]+', ' ', 'g')))`,
  );
};
