/*
 * Model usage: the tokens each call to the optional language model used,
 * for the per-incident and per-day token budgets. `day` is the UTC date
 * (YYYY-MM-DD) of the plugin's clock; `at` is epoch milliseconds (bigint).
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('ai_sre_model_usage', table => {
    table.comment('Tokens used by model calls, for the token budgets');
    table.bigIncrements('id');
    table.string('incident_id', 255).notNullable();
    table.string('day', 10).notNullable().comment('YYYY-MM-DD (UTC)');
    table.string('provider', 64).notNullable();
    table.string('model', 255).notNullable();
    table.integer('input_tokens').notNullable();
    table.integer('output_tokens').notNullable();
    table.bigInteger('at').notNullable();
    table.index(['incident_id'], 'ai_sre_model_usage_incident_idx');
    table.index(['day'], 'ai_sre_model_usage_day_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('ai_sre_model_usage');
};
