import type { Knex } from 'knex';

/**
 * Registration dates of registry entries, for lists that publish them: per chunk, one little-endian
 * uint16 day per number beside the numbers. A list stored without them stays as it is.
 */
export async function up(knex: Knex): Promise<void> {
  const mysql = knex.client.config.client === 'mysql2';
  await knex.schema.alterTable('registry_chunks', (t) => {
    if (mysql) t.specificType('dates', 'LONGBLOB').nullable();
    else t.binary('dates').nullable();
  });
  await knex.schema.alterTable('registry_lists', (t) => {
    t.boolean('dated').notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('registry_chunks', (t) => {
    t.dropColumn('dates');
  });
  await knex.schema.alterTable('registry_lists', (t) => {
    t.dropColumn('dated');
  });
}
