import type { Knex } from 'knex';

/**
 * The tamper-evident trail. Events are hash-chained per chain (one chain per gateway process and
 * writer slot, so concurrent writers never fork a chain); audit_chains holds each chain's head,
 * locked and advanced in the transaction that appends to it. Seals are signed chain heads.
 */
export async function up(knex: Knex): Promise<void> {
  const mysql = knex.client.config.client === 'mysql2';
  const utf8 = (t: Knex.CreateTableBuilder) => {
    if (mysql) t.charset('utf8mb4');
  };

  await knex.schema.createTable('audit_chains', (t) => {
    utf8(t);
    t.string('chain_id', 120).primary();
    t.bigInteger('seq').notNullable();
    t.string('head_hash', 64).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });

  await knex.schema.createTable('audit_events', (t) => {
    utf8(t);
    t.bigIncrements('id');
    t.string('chain_id', 120).notNullable();
    t.bigInteger('seq').notNullable();
    t.bigInteger('at').notNullable();
    t.string('type', 40).notNullable();
    t.string('tenant_id', 40).nullable();
    t.string('campaign_id', 40).nullable();
    /** Keyed HMAC of the callee, hashed into the chain: the number itself is only in the payload. */
    t.string('callee_tag', 32).nullable();
    t.string('subject_id', 64).nullable();
    t.text('payload', 'mediumtext').nullable();
    t.string('payload_hash', 64).notNullable();
    t.string('hash', 64).notNullable();
    t.bigInteger('purged_at').nullable();
    t.unique(['chain_id', 'seq']);
    t.index(['at']);
    t.index(['callee_tag', 'at']);
    t.index(['tenant_id', 'at']);
  });

  await knex.schema.createTable('audit_seals', (t) => {
    utf8(t);
    t.bigIncrements('id');
    t.string('chain_id', 120).notNullable();
    t.bigInteger('seq').notNullable();
    t.string('hash', 64).notNullable();
    t.bigInteger('sealed_at').notNullable();
    t.string('key_id', 32).notNullable();
    t.string('signature', 200).notNullable();
    t.unique(['chain_id', 'seq']);
  });

  await knex.schema.createTable('audit_keys', (t) => {
    utf8(t);
    t.string('key_id', 32).primary();
    t.text('public_key').notNullable();
    t.bigInteger('created_at').notNullable();
  });

  await knex.schema.createTable('audit_settings', (t) => {
    utf8(t);
    t.string('k', 40).primary();
    t.text('v').notNullable();
  });

  await knex.schema.createTable('audit_exports', (t) => {
    utf8(t);
    t.string('id', 40).primary();
    t.string('tenant_id', 40).nullable();
    t.string('created_by', 100).notNullable();
    t.bigInteger('created_at').notNullable();
    t.string('file', 200).notNullable();
    t.text('manifest', 'mediumtext').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['audit_exports', 'audit_settings', 'audit_keys', 'audit_seals', 'audit_events', 'audit_chains']) {
    await knex.schema.dropTableIfExists(table);
  }
}
