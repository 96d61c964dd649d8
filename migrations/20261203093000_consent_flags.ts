import type { Knex } from 'knex';

/** Consents whose evidence looks manufactured, flagged for an officer's review (never silently dropped). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('consent_flags', (t) => {
    t.string('id', 40).primary();
    t.string('tenant_id', 40).notNullable();
    t.string('signal', 40).notNullable();
    t.string('subject', 200).notNullable();
    t.integer('consents').notNullable();
    t.text('example_consent_ids').notNullable();
    t.text('message').notNullable();
    t.bigInteger('flagged_at').notNullable();
    t.unique(['tenant_id', 'signal', 'subject']);
    t.index(['flagged_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('consent_flags');
}
