import type { Knex } from 'knex';

/**
 * What every instance sharing the database must agree on at the doors: failed sign-in counters
 * (so a password guesser gets the same few tries whichever instance it reaches) and revoked tokens
 * (so a revoked token stops working on every instance, not only the one that revoked it).
 */
export async function up(knex: Knex): Promise<void> {
  const mysql = knex.client.config.client === 'mysql2';

  /** One counter per normalised user name ("user:…") and per source address ("ip:…"), in a fixed window. */
  await knex.schema.createTable('sign_in_throttle', (t) => {
    // Binary comparison: the key is normalised by the gateway, never left to a collation.
    if (mysql) {
      t.charset('utf8mb4');
      t.collate('utf8mb4_bin');
    }
    t.string('throttle_key', 200).primary();
    t.bigInteger('window_start').notNullable();
    t.integer('failures').notNullable();
    t.index(['window_start']);
  });

  await knex.schema.createTable('revoked_tokens', (t) => {
    if (mysql) {
      t.charset('ascii');
      t.collate('ascii_bin');
    }
    t.string('jti', 64).primary();
    t.bigInteger('revoked_at').notNullable();
    t.string('revoked_by', 100).notNullable();
    /** When the token would have expired anyway; past it the row may go. */
    t.bigInteger('expires_at').nullable();
  });

  /** One row, bumped with every revocation: instances compare it and reload the list only when it moved. */
  await knex.schema.createTable('revocation_version', (t) => {
    t.integer('id').primary();
    t.bigInteger('version').notNullable();
  });
  await knex('revocation_version').insert({ id: 1, version: 0 });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['revocation_version', 'revoked_tokens', 'sign_in_throttle']) await knex.schema.dropTableIfExists(table);
}
