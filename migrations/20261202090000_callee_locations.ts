import type { Knex } from 'knex';

/**
 * Where a tenant knows a callee to be (the address on its customer record), so that calling hours
 * are judged at the callee's location rather than only where the number suggests.
 */
export async function up(knex: Knex): Promise<void> {
  const mysql = knex.client.config.client === 'mysql2';
  await knex.schema.createTable('callee_locations', (t) => {
    if (mysql) t.charset('utf8mb4');
    t.string('id', 40).primary();
    t.string('tenant_id', 40).notNullable().references('tenants.id');
    t.string('callee', 16).notNullable();
    t.string('subdivision', 6).nullable();
    t.string('time_zone', 64).nullable();
    t.string('postal_code', 12).nullable();
    t.string('source', 24).notNullable();
    t.bigInteger('observed_at').notNullable();
    t.string('recorded_by', 200).notNullable();
    t.bigInteger('created_at').notNullable();
    t.index(['callee', 'tenant_id', 'observed_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('callee_locations');
}
