import type { Knex } from 'knex';

/**
 * Dialers allowed to send calls over SIP, by source address: an INVITE from a listed address (or
 * network) is decided as that tenant's call. A default campaign serves dialers that cannot add a
 * campaign header.
 */
export async function up(knex: Knex): Promise<void> {
  const mysql = knex.client.config.client === 'mysql2';
  await knex.schema.createTable('sip_dialers', (t) => {
    if (mysql) t.charset('utf8mb4');
    t.string('id', 40).primary();
    t.string('tenant_id', 40).notNullable().references('tenants.id');
    t.string('source', 64).notNullable().unique();
    t.string('default_campaign_id', 40).nullable();
    t.string('description', 200).nullable();
    t.string('created_by', 100).notNullable();
    t.bigInteger('created_at').notNullable();
    t.index(['tenant_id']);
  });

  // The STIR/SHAKEN attestation given to each signed call (RFC 8588), beside its decision.
  await knex.schema.createTable('call_attestations', (t) => {
    if (mysql) t.charset('utf8mb4');
    t.string('decision_id', 40).primary();
    t.string('tenant_id', 40).notNullable();
    t.string('attest', 1).notNullable();
    t.string('orig_tn', 16).notNullable();
    t.string('dest_tn', 16).notNullable();
    t.string('origid', 36).notNullable();
    t.bigInteger('signed_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('call_attestations');
  await knex.schema.dropTable('sip_dialers');
}
