/*
 * Control: the append-only audit log (who did what, when, with which
 * dry-run diff and outcome) and the runtime kill-switches (global and per
 * entity) that stop every execution while on.
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('ai_sre_audit', table => {
    table.comment(
      'Append-only audit log of approvals, executions and switches',
    );
    table.bigIncrements('id').primary();
    table.bigInteger('at').notNullable();
    table.string('actor', 255).notNullable();
    table.string('action', 48).notNullable();
    table.string('incident_id', 64).nullable();
    table.string('entity_ref', 255).nullable();
    table.string('execution_id', 64).nullable();
    table.string('outcome', 24).notNullable();
    table.text('details').notNullable().defaultTo('{}').comment('JSON');
    table.index(['incident_id', 'id'], 'ai_sre_audit_incident_idx');
    table.index(['at'], 'ai_sre_audit_at_idx');
  });

  await knex.schema.createTable('ai_sre_kill_switches', table => {
    table.comment(
      'Runtime kill-switches: "global" or a lower-cased entity ref',
    );
    table.string('scope', 255).primary().notNullable();
    table.boolean('enabled').notNullable();
    table.text('reason').notNullable().defaultTo('');
    table.string('updated_by', 255).notNullable();
    table.bigInteger('updated_at').notNullable();
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('ai_sre_kill_switches');
  await knex.schema.dropTable('ai_sre_audit');
};
