import type { Knex } from 'knex';

/**
 * Campaigns naming several packs; do-not-call lists stored as compact binary chunks per version;
 * operator-entered no-call days (a state of emergency, a day of mourning); sellers' registrations
 * with a state (Texas Secretary of State); established business relationships (a purchase, an inquiry).
 */
export async function up(knex: Knex): Promise<void> {
  const mysql = knex.client.config.client === 'mysql2';
  await knex.schema.alterTable('campaigns', (t) => {
    t.text('policy_packs').nullable();
  });
  // Abandonment rates are counted per campaign over a window.
  await knex.schema.alterTable('call_attempts', (t) => {
    t.index(['campaign_id', 'attempted_at'], 'call_attempts_campaign_at');
  });
  await knex.schema.createTable('registry_chunks', (t) => {
    if (mysql) t.charset('utf8mb4');
    t.string('list_id', 64).notNullable();
    t.integer('version').notNullable();
    t.integer('seq').notNullable();
    t.integer('entry_count').notNullable();
    if (mysql) t.specificType('data', 'LONGBLOB').notNullable();
    else t.binary('data').notNullable();
    t.primary(['list_id', 'version', 'seq']);
  });
  await knex.schema.createTable('calling_bans', (t) => {
    if (mysql) t.charset('utf8mb4');
    t.string('id', 40).primary();
    t.string('region', 8).notNullable();
    t.string('starts_on', 10).notNullable();
    t.string('ends_on', 10).notNullable();
    t.string('reason', 500).notNullable();
    t.string('created_by', 200).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('revoked_at').nullable();
    t.index(['ends_on']);
  });
  await knex.schema.createTable('tenant_registrations', (t) => {
    if (mysql) t.charset('utf8mb4');
    t.string('id', 40).primary();
    t.string('tenant_id', 40).notNullable().references('tenants.id');
    t.string('region', 8).notNullable();
    t.string('authority', 200).notNullable();
    t.string('reference', 200).notNullable();
    t.string('valid_from', 10).notNullable();
    t.string('valid_until', 10).notNullable();
    t.string('created_by', 200).notNullable();
    t.bigInteger('created_at').notNullable();
    t.index(['tenant_id']);
  });
  await knex.schema.createTable('business_relationships', (t) => {
    if (mysql) t.charset('utf8mb4');
    t.string('id', 40).primary();
    t.string('tenant_id', 40).notNullable().references('tenants.id');
    t.string('callee', 16).notNullable();
    t.string('kind', 16).notNullable();
    t.bigInteger('occurred_at').notNullable();
    t.text('evidence').notNullable();
    t.string('recorded_by', 200).notNullable();
    t.bigInteger('created_at').notNullable();
    t.index(['callee', 'tenant_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('business_relationships');
  await knex.schema.dropTableIfExists('tenant_registrations');
  await knex.schema.dropTableIfExists('calling_bans');
  await knex.schema.dropTableIfExists('registry_chunks');
  await knex.schema.alterTable('call_attempts', (t) => {
    t.dropIndex(['campaign_id', 'attempted_at'], 'call_attempts_campaign_at');
  });
  await knex.schema.alterTable('campaigns', (t) => {
    t.dropColumn('policy_packs');
  });
}
