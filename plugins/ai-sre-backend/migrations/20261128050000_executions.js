/*
 * Executions of fix plans: one row per (incident, plan) claimed before
 * anything runs, so a plan executes exactly once however many replicas,
 * restarts or clicks ask for it. Each step keeps its dry-run diff and the
 * snapshot of what it changed, for the approval view and for rollback.
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('ai_sre_executions', table => {
    table.comment('Executions of fix plans, with dry-run diffs and snapshots');
    table.string('id', 64).primary().notNullable();
    table.string('incident_id', 64).notNullable();
    table.string('plan_hash', 64).notNullable();
    table.string('cluster', 255).notNullable();
    table
      .string('status', 24)
      .notNullable()
      .comment('running, succeeded, failed, dry-run, rolled-back');
    table.boolean('dry_run').notNullable().defaultTo(false);
    table.string('requested_by', 255).nullable();
    table.text('steps').notNullable().defaultTo('[]').comment('JSON');
    table.text('details').notNullable().defaultTo('');
    table.bigInteger('started_at').notNullable();
    table.bigInteger('finished_at').nullable();
    table.unique(['incident_id', 'plan_hash'], {
      indexName: 'ai_sre_executions_once_idx',
    });
    table.index(['incident_id'], 'ai_sre_executions_incident_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('ai_sre_executions');
};
