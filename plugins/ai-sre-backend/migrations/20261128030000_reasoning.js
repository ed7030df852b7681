/*
 * The reasoning workflow's bookkeeping: which signals an incident groups,
 * its analysis (hypotheses, plan, policy decision), where its LangGraph
 * thread stands, and the agent trace (one row per node run).
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('ai_sre_incidents', table => {
    table
      .string('group_key', 512)
      .nullable()
      .comment(
        'Stable key of the signal group (re-opens rather than duplicates)',
      );
    table
      .text('fingerprints')
      .notNullable()
      .defaultTo('[]')
      .comment('JSON array of the grouped signals\u2019 fingerprints');
    table
      .text('analysis')
      .notNullable()
      .defaultTo('{}')
      .comment('JSON: hypotheses, plan, policy decision, execution');
    table
      .string('thread_state', 24)
      .notNullable()
      .defaultTo('done')
      .comment('running, awaiting-approval or done');
    table
      .bigInteger('last_signal_at')
      .nullable()
      .comment('Last time one of its signals was seen active');
    table.index(['cluster', 'status'], 'ai_sre_incidents_cluster_status_idx');
    table.index(['thread_state'], 'ai_sre_incidents_thread_state_idx');
  });

  await knex.schema.createTable('ai_sre_agent_traces', table => {
    table.comment('Every workflow node run: input summary, output, duration');
    table.bigIncrements('id').primary();
    table.string('incident_id', 64).notNullable();
    table.string('node', 64).notNullable();
    table.text('input').notNullable();
    table.text('output').notNullable();
    table.integer('duration_ms').notNullable();
    table
      .text('model_usage')
      .nullable()
      .comment('JSON array, when a model ran');
    table.bigInteger('at').notNullable();
    table.index(['incident_id', 'id'], 'ai_sre_agent_traces_incident_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('ai_sre_agent_traces');
  await knex.schema.alterTable('ai_sre_incidents', table => {
    table.dropIndex(
      ['cluster', 'status'],
      'ai_sre_incidents_cluster_status_idx',
    );
    table.dropIndex(['thread_state'], 'ai_sre_incidents_thread_state_idx');
    table.dropColumn('group_key');
    table.dropColumn('fingerprints');
    table.dropColumn('analysis');
    table.dropColumn('thread_state');
    table.dropColumn('last_signal_at');
  });
};
