import type { Knex } from 'knex';

/**
 * The Reassigned Numbers Database's permanent-disconnect data, in versions: an import writes its
 * rows under a new version and makes it current in one update, so a decision reads the old data or
 * the new, never a mix. Answers given per number are cached with the data version they came from.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('reassigned_versions', (t) => {
    t.integer('version').primary();
    /** The date the data describes (the RND's report date): what the freshness parameter measures. */
    t.string('as_of', 10).notNullable();
    /** The earliest date the data covers: a consent date before it gets "no data". Null: no limit. */
    t.string('coverage_from', 10).nullable();
    t.integer('entry_count').notNullable();
    t.string('digest', 64).notNullable();
    /** loading, current or replaced. */
    t.string('status', 12).notNullable();
    t.bigInteger('imported_at').notNullable();
  });
  await knex.schema.createTable('reassigned_disconnects', (t) => {
    t.integer('version').notNullable();
    t.string('number', 16).notNullable();
    t.string('disconnected_on', 10).notNullable();
    t.index(['version', 'number'], 'reassigned_disconnects_lookup');
  });
  await knex.schema.createTable('reassigned_answers', (t) => {
    t.string('number', 16).primary();
    t.string('since_date', 10).notNullable();
    t.string('answer', 8).notNullable();
    t.string('disconnect_date', 10).nullable();
    t.bigInteger('queried_at').notNullable();
    t.string('source', 40).notNullable();
    t.integer('data_version').nullable();
    t.string('data_as_of', 10).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('reassigned_answers');
  await knex.schema.dropTable('reassigned_disconnects');
  await knex.schema.dropTable('reassigned_versions');
}
