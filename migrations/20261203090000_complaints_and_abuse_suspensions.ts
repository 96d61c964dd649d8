import type { Knex } from 'knex';

/**
 * Complaints about calls (from callees, regulators' and carriers' feeds) and the suspensions they
 * trip. The active suspension is also kept on the number or tenant row itself, so a decision reads
 * it with the facts it already loads instead of one more query per batch.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('complaints', (t) => {
    t.string('id', 40).primary();
    t.string('tenant_id', 40).notNullable().references('id').inTable('tenants');
    // FTC data names the company's number and only the consumer's area code: the callee may be unknown.
    t.string('callee', 20).nullable();
    t.string('display_number', 20).nullable();
    t.bigInteger('complained_at').notNullable();
    t.string('source', 20).notNullable();
    t.string('reference', 200).nullable();
    t.text('note').nullable();
    t.string('opt_out_id', 40).nullable();
    // Re-importing a feed adds nothing: the source's reference, or the complaint's own facts.
    t.string('import_key', 255).notNullable();
    t.bigInteger('received_at').notNullable();
    t.string('recorded_by', 100).notNullable();
    t.unique(['tenant_id', 'import_key']);
    t.index(['display_number', 'complained_at']);
    t.index(['tenant_id', 'complained_at']);
  });
  await knex.schema.createTable('abuse_suspensions', (t) => {
    t.string('id', 40).primary();
    t.string('tenant_id', 40).notNullable().references('id').inTable('tenants');
    t.string('subject_kind', 20).notNullable();
    t.string('subject', 40).notNullable();
    t.string('signal', 40).notNullable();
    t.string('action', 20).notNullable();
    t.integer('observed').notNullable();
    t.integer('threshold').notNullable();
    t.integer('window_seconds').notNullable();
    t.text('message').notNullable();
    t.bigInteger('since').notNullable();
    t.bigInteger('lifted_at').nullable();
    t.string('lifted_by', 100).nullable();
    t.text('lift_reason').nullable();
    t.index(['subject_kind', 'subject', 'lifted_at']);
    t.index(['tenant_id']);
  });
  await knex.schema.alterTable('tenants', (t) => t.text('abuse_suspension').nullable());
  await knex.schema.alterTable('caller_numbers', (t) => t.text('abuse_suspension').nullable());
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('caller_numbers', (t) => t.dropColumn('abuse_suspension'));
  await knex.schema.alterTable('tenants', (t) => t.dropColumn('abuse_suspension'));
  await knex.schema.dropTable('abuse_suspensions');
  await knex.schema.dropTable('complaints');
}
