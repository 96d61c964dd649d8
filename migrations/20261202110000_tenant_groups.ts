import type { Knex } from 'knex';

/**
 * Affiliates under common control, as the operator entered them with evidence: a refusal given to
 * one member may bind the others where a pack says the law treats them as one seller.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('tenant_groups', (t) => {
    t.string('id', 40).primary();
    t.string('name', 200).notNullable();
    t.text('evidence').notNullable();
    t.string('created_by', 100).notNullable();
    t.bigInteger('created_at').notNullable();
  });
  // A tenant is under one controlling party: one group at most (the primary key says so).
  await knex.schema.createTable('tenant_group_members', (t) => {
    t.string('tenant_id', 40).primary().references('id').inTable('tenants');
    t.string('group_id', 40).notNullable().references('id').inTable('tenant_groups');
    t.text('evidence').notNullable();
    t.string('added_by', 100).notNullable();
    t.bigInteger('added_at').notNullable();
    t.index(['group_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('tenant_group_members');
  await knex.schema.dropTable('tenant_groups');
}
