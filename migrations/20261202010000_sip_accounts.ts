import type { Knex } from 'knex';

/**
 * Dialer accounts that authenticate by SIP digest (RFC 3261 §22, RFC 8760) or by a TLS client
 * certificate, each speaking for one tenant. Only H(user:realm:password) per algorithm is kept,
 * never the password; a revoked account stays for the record.
 */
export async function up(knex: Knex): Promise<void> {
  const mysql = knex.client.config.client === 'mysql2';
  await knex.schema.createTable('sip_accounts', (t) => {
    if (mysql) t.charset('utf8mb4');
    t.string('id', 40).primary();
    t.string('tenant_id', 40).notNullable().references('tenants.id');
    t.string('username', 64).notNullable().unique();
    t.string('realm', 100).notNullable();
    t.string('ha1_md5', 32).notNullable();
    t.string('ha1_sha256', 64).notNullable();
    t.string('default_campaign_id', 40).nullable();
    /** JSON array of IP addresses or networks the account must also come from; null for anywhere. */
    t.text('sources').nullable();
    t.string('cert_fingerprint', 64).nullable().unique();
    t.string('cert_subject', 200).nullable();
    t.string('description', 200).nullable();
    t.string('created_by', 100).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('rotated_at').nullable();
    t.bigInteger('revoked_at').nullable();
    t.index(['tenant_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sip_accounts');
}
