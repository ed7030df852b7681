/*
 * Incidents: one row per incident, keyed to the catalog entity it belongs to.
 * Times are epoch milliseconds (bigint) so that SQLite and PostgreSQL sort and
 * compare them alike.
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('ai_sre_incidents', table => {
    table.comment('Incidents opened by the AI SRE workflow');
    table.string('id', 64).primary().notNullable();
    table.text('title').notNullable();
    table.text('summary').notNullable().defaultTo('');
    table.string('entity_ref', 255).nullable().comment('Culprit entity');
    table
      .text('impacted_entity_refs')
      .notNullable()
      .defaultTo('[]')
      .comment('JSON array of entity refs showing symptoms');
    table.string('owner_ref', 255).nullable();
    table.string('system_ref', 255).nullable();
    table.string('cluster', 255).notNullable();
    table.string('namespace', 255).nullable();
    table.string('severity', 16).notNullable();
    table.string('status', 24).notNullable();
    table.string('category', 40).nullable();
    table.bigInteger('started_at').notNullable();
    table.bigInteger('opened_at').notNullable();
    table.bigInteger('acknowledged_at').nullable();
    table.bigInteger('resolved_at').nullable();
    table.bigInteger('updated_at').notNullable();
    table.index(['entity_ref', 'opened_at'], 'ai_sre_incidents_entity_idx');
    table.index(['owner_ref', 'opened_at'], 'ai_sre_incidents_owner_idx');
    table.index(['status', 'opened_at'], 'ai_sre_incidents_status_idx');
    table.index(['opened_at', 'id'], 'ai_sre_incidents_opened_idx');
  });

  await knex.schema.createTable('ai_sre_incident_entities', table => {
    table.comment('Entities an incident belongs to or affects, for search');
    table
      .string('incident_id', 64)
      .notNullable()
      .references('id')
      .inTable('ai_sre_incidents')
      .onDelete('CASCADE');
    table.string('entity_ref', 255).notNullable().comment('Lower-cased');
    table.string('role', 16).notNullable().comment('culprit or impacted');
    table.primary(['incident_id', 'entity_ref']);
    table.index(['entity_ref'], 'ai_sre_incident_entities_ref_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('ai_sre_incident_entities');
  await knex.schema.dropTable('ai_sre_incidents');
};
