import type { Knex } from 'knex';

/** The SHA-256 of a registry version's stored chunks, checked whenever an instance loads it. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('registry_lists', (t) => {
    t.string('digest', 64).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('registry_lists', (t) => {
    t.dropColumn('digest');
  });
}
