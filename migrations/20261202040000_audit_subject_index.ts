import type { Knex } from 'knex';

/**
 * Verification reconciles the engine's tables with the trail row by row: it walks the events of one
 * type in subject order and looks events up by subject, which this index makes keyset pages.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('audit_events', (t) => {
    t.index(['type', 'subject_id'], 'audit_events_type_subject_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('audit_events', (t) => {
    t.dropIndex(['type', 'subject_id'], 'audit_events_type_subject_index');
  });
}
