import type { Knex } from 'knex';

/**
 * Calls placed before callgate carry how they ended, so abandonment rates and the wait after an
 * abandoned call hold from the first day; and each imported call has a key, so importing the same
 * file twice adds nothing. Calls callgate decided keep their outcome in call_outcomes.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('call_attempts', (t) => {
    t.string('outcome', 16).nullable();
    t.integer('duration_seconds').nullable();
    t.boolean('info_message').nullable();
    /** sha256 of the tenant and the row's external id, or of tenant, campaign, callee and instant. */
    t.string('import_key', 64).nullable();
    t.unique(['import_key'], { indexName: 'call_attempts_import_key' });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('call_attempts', (t) => {
    t.dropUnique(['import_key'], 'call_attempts_import_key');
    t.dropColumn('import_key');
    t.dropColumn('info_message');
    t.dropColumn('duration_seconds');
    t.dropColumn('outcome');
  });
}
