import type { Knex } from 'knex';

/**
 * Checkpoints over the whole trail: every record gets a global leaf index (audit_leaves, assigned
 * by the checkpoint job in id order as records become visible, under a lock; insert-only, so trail
 * rows are never rewritten), the Merkle tree over all leaves is signed at intervals, and witnesses'
 * cosignatures of those checkpoints are kept. `tree` in audit_settings is the tree's right edge (its
 * compact range), every chain's head at that size, and the sequencer's high-water mark and gaps.
 */
export async function up(knex: Knex): Promise<void> {
  const mysql = knex.client.config.client === 'mysql2';
  const utf8 = (t: Knex.CreateTableBuilder) => {
    if (mysql) t.charset('utf8mb4');
  };
  await knex.schema.createTable('audit_leaves', (t) => {
    utf8(t);
    // On SQLite an INTEGER primary key is the rowid: leaves are appended in key order, cheaply.
    (mysql ? t.bigInteger('leaf_index') : t.integer('leaf_index')).primary();
    t.bigInteger('event_id').notNullable().unique();
  });
  await knex.schema.createTable('audit_checkpoints', (t) => {
    utf8(t);
    t.bigInteger('size').primary();
    t.string('root', 64).notNullable();
    t.bigInteger('issued_at').notNullable();
    t.string('key_id', 32).notNullable();
    t.string('signature', 200).notNullable();
    t.text('body').notNullable();
    t.text('inventory', 'mediumtext').notNullable();
    /** Kept for good (one an hour); the others go after an hour unless a witness cosigned them. */
    t.boolean('retained').notNullable().defaultTo(false);
    t.index(['retained', 'issued_at']);
  });
  await knex.schema.createTable('audit_cosignatures', (t) => {
    utf8(t);
    t.bigIncrements('id');
    t.bigInteger('size').notNullable();
    t.string('key_id', 32).notNullable();
    t.text('public_key').notNullable();
    t.bigInteger('time').notNullable();
    t.string('signature', 200).notNullable();
    t.bigInteger('received_at').notNullable();
    t.unique(['size', 'key_id']);
  });
  await knex('audit_settings').insert({ k: 'tree', v: JSON.stringify({ size: 0, hashes: [], inventory: {}, highWater: 0, gaps: [] }) }).onConflict('k').ignore();
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('audit_cosignatures');
  await knex.schema.dropTableIfExists('audit_checkpoints');
  await knex('audit_settings').where({ k: 'tree' }).delete();
  await knex.schema.dropTableIfExists('audit_leaves');
}
