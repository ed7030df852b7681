/*
 * Telemetry: signals (with the entities they map to), changes, and the
 * leases that let exactly one backend replica watch each cluster.
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('ai_sre_signals', table => {
    table.comment('Signals: one problem on one Kubernetes object, as detected');
    table.string('id', 64).primary().notNullable();
    table.string('fingerprint', 64).notNullable();
    table.string('cluster', 255).notNullable();
    table.string('detector', 64).notNullable();
    table.string('severity', 16).notNullable();
    table.string('status', 16).notNullable();
    table.string('object_ref', 512).notNullable().comment('Kind/ns/name');
    table.string('workload_ref', 512).notNullable();
    table.string('namespace', 255).nullable();
    table.string('owner_ref', 255).nullable();
    table.bigInteger('first_seen').notNullable();
    table.bigInteger('last_seen').notNullable();
    table.bigInteger('resolved_at').nullable();
    table.integer('count').notNullable();
    table.text('body').notNullable().comment('The signal as JSON (redacted)');
    table.index(['cluster', 'fingerprint'], 'ai_sre_signals_fingerprint_idx');
    table.index(['status', 'first_seen'], 'ai_sre_signals_status_idx');
    table.index(['first_seen', 'id'], 'ai_sre_signals_first_seen_idx');
  });

  await knex.schema.createTable('ai_sre_signal_entities', table => {
    table
      .string('signal_id', 64)
      .notNullable()
      .references('id')
      .inTable('ai_sre_signals')
      .onDelete('CASCADE');
    table.string('entity_ref', 255).notNullable().comment('Lower-cased');
    table.primary(['signal_id', 'entity_ref']);
    table.index(['entity_ref'], 'ai_sre_signal_entities_ref_idx');
  });

  await knex.schema.createTable('ai_sre_changes', table => {
    table.comment('Changes in clusters, kept as evidence');
    table.string('id', 64).primary().notNullable();
    table.string('cluster', 255).notNullable();
    table.string('kind', 32).notNullable();
    table.string('object_ref', 512).notNullable();
    table.bigInteger('at').notNullable();
    table.text('body').notNullable();
    table.index(['cluster', 'at'], 'ai_sre_changes_at_idx');
    table.index(['object_ref', 'at'], 'ai_sre_changes_object_idx');
  });

  await knex.schema.createTable('ai_sre_leases', table => {
    table.comment('Leases: which backend replica holds which duty');
    table.string('name', 255).primary().notNullable();
    table.string('holder', 255).notNullable();
    table.bigInteger('expires_at').notNullable();
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('ai_sre_leases');
  await knex.schema.dropTable('ai_sre_changes');
  await knex.schema.dropTable('ai_sre_signal_entities');
  await knex.schema.dropTable('ai_sre_signals');
};
