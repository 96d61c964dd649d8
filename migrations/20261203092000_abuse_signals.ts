import type { Knex } from 'knex';

/**
 * Behaviour signals kept incrementally: per-minute counts per tenant, number block and display
 * number, fed from decisions and outcomes after a cursor, so no pass ever rescans the history.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('abuse_signal_cursors', (t) => {
    t.string('name', 40).primary();
    t.bigInteger('position_at').notNullable();
    t.string('position_id', 40).notNullable();
  });
  await knex.schema.createTable('abuse_signal_counts', (t) => {
    t.string('subject_kind', 20).notNullable();
    t.string('subject', 80).notNullable();
    t.string('metric', 20).notNullable();
    t.bigInteger('minute').notNullable();
    t.string('tenant_id', 40).notNullable();
    t.integer('n').notNullable();
    t.primary(['subject_kind', 'subject', 'metric', 'minute']);
    t.index(['minute']);
  });
  await knex.schema.alterTable('decisions', (t) => t.index(['decided_at', 'id'], 'decisions_decided_at_id'));
  await knex.schema.alterTable('call_outcomes', (t) => t.index(['recorded_at', 'decision_id'], 'call_outcomes_recorded_at'));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('call_outcomes', (t) => t.dropIndex(['recorded_at', 'decision_id'], 'call_outcomes_recorded_at'));
  await knex.schema.alterTable('decisions', (t) => t.dropIndex(['decided_at', 'id'], 'decisions_decided_at_id'));
  await knex.schema.dropTable('abuse_signal_counts');
  await knex.schema.dropTable('abuse_signal_cursors');
}
