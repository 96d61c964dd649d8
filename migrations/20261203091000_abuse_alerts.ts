import type { Knex } from 'knex';

/**
 * Alerts (a signal nearing or crossing its threshold, a suspension lifted) written in the
 * transaction that raised them, and their deliveries to each configured webhook: a crash between
 * the suspension and the POST loses no alert, and each delivery is retried until it is answered.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('abuse_alerts', (t) => {
    t.string('id', 40).primary();
    t.string('kind', 40).notNullable();
    t.string('tenant_id', 40).notNullable();
    t.text('payload').notNullable();
    t.bigInteger('created_at').notNullable();
    t.index(['created_at']);
  });
  await knex.schema.createTable('webhook_deliveries', (t) => {
    t.bigIncrements('id');
    t.string('alert_id', 40).notNullable().references('id').inTable('abuse_alerts');
    t.string('url', 500).notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.bigInteger('next_attempt_at').notNullable();
    t.bigInteger('claimed_until').nullable();
    t.string('claimed_by', 100).nullable();
    t.bigInteger('delivered_at').nullable();
    t.boolean('abandoned').notNullable().defaultTo(false);
    t.text('last_error').nullable();
    t.unique(['alert_id', 'url']);
    t.index(['delivered_at', 'next_attempt_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('webhook_deliveries');
  await knex.schema.dropTable('abuse_alerts');
}
