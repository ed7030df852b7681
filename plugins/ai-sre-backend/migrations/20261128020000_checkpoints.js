/*
 * LangGraph checkpoints: one thread per incident (thread id = incident id).
 *
 * Laid out like the maintained PostgreSQL saver: a checkpoint row holds the
 * checkpoint without its channel values, and each channel value is stored
 * once per (channel, version) as a blob, so a step that changes one channel
 * does not copy the whole state. Serialized data is binary (bytea on
 * PostgreSQL, blob on SQLite), as the serializer produces bytes. Times are
 * epoch milliseconds (bigint).
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('ai_sre_checkpoints', table => {
    table.comment('LangGraph checkpoints (without their channel values)');
    table.string('thread_id', 255).notNullable();
    table.string('checkpoint_ns', 255).notNullable().defaultTo('');
    table.string('checkpoint_id', 255).notNullable();
    table.string('parent_checkpoint_id', 255).nullable();
    table.string('type', 32).notNullable().comment('Serializer type');
    table.binary('checkpoint').notNullable();
    table.binary('metadata').notNullable();
    table.bigInteger('created_at').notNullable();
    table.primary(['thread_id', 'checkpoint_ns', 'checkpoint_id']);
  });

  await knex.schema.createTable('ai_sre_checkpoint_blobs', table => {
    table.comment('LangGraph channel values, one per channel version');
    table.string('thread_id', 255).notNullable();
    table.string('checkpoint_ns', 255).notNullable().defaultTo('');
    table.string('channel', 255).notNullable();
    table.string('version', 255).notNullable();
    table.string('type', 32).notNullable().comment('Serializer type or empty');
    table.binary('blob').nullable();
    table.primary(['thread_id', 'checkpoint_ns', 'channel', 'version']);
  });

  await knex.schema.createTable('ai_sre_checkpoint_writes', table => {
    table.comment('LangGraph pending writes of tasks against a checkpoint');
    table.string('thread_id', 255).notNullable();
    table.string('checkpoint_ns', 255).notNullable().defaultTo('');
    table.string('checkpoint_id', 255).notNullable();
    table.string('task_id', 255).notNullable();
    table.integer('idx').notNullable();
    table.string('channel', 255).notNullable();
    table.string('type', 32).notNullable().comment('Serializer type');
    table.binary('value').notNullable();
    table.text('task_path').notNullable().defaultTo('');
    table.primary([
      'thread_id',
      'checkpoint_ns',
      'checkpoint_id',
      'task_id',
      'idx',
    ]);
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('ai_sre_checkpoint_writes');
  await knex.schema.dropTable('ai_sre_checkpoint_blobs');
  await knex.schema.dropTable('ai_sre_checkpoints');
};
