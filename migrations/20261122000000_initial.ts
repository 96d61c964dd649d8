import type { Knex } from 'knex';

/**
 * Instants are epoch milliseconds in BIGINT columns: one representation on SQLite and MySQL, no
 * time-zone conversion by a driver, and exact comparisons for rolling windows.
 * Structured evidence is JSON text, so that what was shown to a callee is kept byte for byte.
 */
export async function up(knex: Knex): Promise<void> {
  const mysql = knex.client.config.client === 'mysql2';
  const utf8 = (t: Knex.CreateTableBuilder) => {
    if (mysql) t.charset('utf8mb4');
  };

  await knex.schema.createTable('tenants', (t) => {
    utf8(t);
    t.string('id', 40).primary();
    t.string('legal_name', 200).notNullable();
    t.string('uscc', 18).nullable().unique();
    t.string('country', 2).notNullable();
    t.string('verification_status', 16).notNullable();
    t.text('verification_evidence').nullable();
    t.string('verified_by', 100).nullable();
    t.bigInteger('verified_at').nullable();
    t.bigInteger('created_at').notNullable();
  });

  await knex.schema.createTable('brands', (t) => {
    utf8(t);
    t.string('id', 40).primary();
    t.string('tenant_id', 40).notNullable().references('tenants.id');
    t.string('name', 200).notNullable();
    t.bigInteger('created_at').notNullable();
    t.index(['tenant_id']);
  });

  await knex.schema.createTable('campaigns', (t) => {
    utf8(t);
    t.string('id', 40).primary();
    t.string('tenant_id', 40).notNullable().references('tenants.id');
    t.string('brand_id', 40).notNullable().references('brands.id');
    t.string('name', 200).notNullable();
    t.string('purpose', 32).notNullable();
    t.string('policy_pack', 40).notNullable();
    t.string('dialing_mode', 16).notNullable();
    t.string('status', 16).notNullable();
    t.bigInteger('created_at').notNullable();
    t.index(['tenant_id']);
  });

  await knex.schema.createTable('caller_numbers', (t) => {
    utf8(t);
    t.string('id', 40).primary();
    t.string('tenant_id', 40).notNullable().references('tenants.id');
    t.string('e164', 16).notNullable().unique();
    t.text('proof_of_right').notNullable();
    t.string('verification_status', 16).notNullable();
    t.string('verified_by', 100).nullable();
    t.string('line_type', 24).notNullable();
    t.text('real_name_proof').nullable();
    t.string('region', 100).nullable();
    t.string('status', 16).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['tenant_id']);
  });

  await knex.schema.createTable('campaign_numbers', (t) => {
    utf8(t);
    t.string('campaign_id', 40).notNullable().references('campaigns.id');
    t.string('caller_number_id', 40).notNullable().references('caller_numbers.id');
    t.primary(['campaign_id', 'caller_number_id']);
  });

  await knex.schema.createTable('consents', (t) => {
    utf8(t);
    t.string('id', 40).primary();
    t.string('tenant_id', 40).notNullable().references('tenants.id');
    t.string('brand_id', 40).notNullable().references('brands.id');
    t.string('callee', 16).notNullable();
    t.string('purpose', 32).notNullable();
    t.string('channel', 24).notNullable();
    t.text('modes').notNullable();
    t.bigInteger('obtained_at').notNullable();
    t.bigInteger('expires_at').nullable();
    t.string('capture_method', 32).notNullable();
    t.text('evidence').notNullable();
    t.bigInteger('revoked_at').nullable();
    t.text('revoke_reason').nullable();
    t.string('recorded_by', 100).notNullable();
    t.bigInteger('created_at').notNullable();
    t.index(['callee', 'tenant_id']);
  });

  await knex.schema.createTable('opt_outs', (t) => {
    utf8(t);
    t.string('id', 40).primary();
    t.string('callee', 16).notNullable();
    t.string('scope', 16).notNullable();
    t.string('tenant_id', 40).nullable();
    t.string('brand_id', 40).nullable();
    t.string('campaign_id', 40).nullable();
    t.string('source', 16).notNullable();
    t.bigInteger('received_at').notNullable();
    t.bigInteger('effective_at').notNullable();
    t.text('note').nullable();
    t.string('recorded_by', 100).notNullable();
    t.index(['callee']);
  });

  await knex.schema.createTable('registry_lists', (t) => {
    utf8(t);
    t.string('id', 64).primary();
    t.string('name', 200).notNullable();
    t.string('country', 2).nullable();
    t.bigInteger('list_date').notNullable();
    t.integer('version').notNullable();
    t.integer('entry_count').notNullable();
    t.bigInteger('loaded_at').notNullable();
  });

  await knex.schema.createTable('registry_entries', (t) => {
    utf8(t);
    t.string('e164', 16).notNullable();
    t.string('list_id', 64).notNullable();
    t.integer('version').notNullable();
    t.primary(['e164', 'list_id', 'version']);
    t.index(['list_id', 'version']);
  });

  await knex.schema.createTable('call_attempts', (t) => {
    utf8(t);
    t.bigIncrements('id');
    t.string('decision_id', 40).nullable();
    t.string('tenant_id', 40).notNullable();
    t.string('campaign_id', 40).nullable();
    t.string('caller', 16).nullable();
    t.string('callee', 16).notNullable();
    t.bigInteger('attempted_at').notNullable();
    t.string('source', 16).notNullable();
    t.index(['callee', 'attempted_at']);
    t.index(['caller', 'attempted_at']);
  });

  await knex.schema.createTable('decisions', (t) => {
    utf8(t);
    t.string('id', 40).primary();
    t.bigInteger('decided_at').notNullable();
    t.string('instance_id', 100).notNullable();
    t.string('tenant_id', 40).notNullable();
    t.string('campaign_id', 40).notNullable();
    t.string('callee', 16).notNullable();
    t.string('caller', 32).nullable();
    t.boolean('allow').notNullable();
    t.text('reasons').notNullable();
    t.bigInteger('next_allowed_at').nullable();
    t.string('policy_revision', 100).notNullable();
    t.text('rule_ids').notNullable();
    t.text('input', 'mediumtext').notNullable();
    t.text('timing').notNullable();
    t.index(['tenant_id', 'decided_at']);
    t.index(['callee', 'decided_at']);
  });

  await knex.schema.createTable('call_outcomes', (t) => {
    utf8(t);
    t.string('decision_id', 40).primary();
    t.string('tenant_id', 40).notNullable();
    t.string('outcome', 16).notNullable();
    t.bigInteger('ended_at').notNullable();
    t.integer('duration_seconds').nullable();
    t.boolean('refused').notNullable();
    t.string('opt_out_id', 40).nullable();
    t.string('recorded_by', 100).notNullable();
    t.bigInteger('recorded_at').notNullable();
  });

  await knex.schema.createTable('policy_revisions', (t) => {
    utf8(t);
    t.string('revision_id', 100).primary();
    t.string('pack_id', 40).notNullable();
    t.text('content', 'mediumtext').notNullable();
    t.bigInteger('created_at').notNullable();
  });

  // One row per callee or display number: decisions lock these rows, in key order, so that two
  // gateway instances counting the same callee's calls take turns (exact caps across instances).
  await knex.schema.createTable('gate_locks', (t) => {
    utf8(t);
    t.string('k', 40).primary();
  });

  await knex.schema.createTable('admin_actions', (t) => {
    utf8(t);
    t.bigIncrements('id');
    t.bigInteger('at').notNullable();
    t.string('actor', 100).notNullable();
    t.string('role', 16).notNullable();
    t.string('tenant_id', 40).nullable();
    t.string('action', 64).notNullable();
    t.string('target', 100).nullable();
    t.text('details').nullable();
    t.index(['tenant_id', 'at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'admin_actions', 'gate_locks', 'policy_revisions', 'call_outcomes', 'decisions', 'call_attempts', 'registry_entries',
    'registry_lists', 'opt_outs', 'consents', 'campaign_numbers', 'caller_numbers', 'campaigns', 'brands', 'tenants',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
