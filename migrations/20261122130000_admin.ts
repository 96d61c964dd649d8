import type { Knex } from 'knex';

/**
 * The admin UI's people and the policy change workflow. A published policy revision lives in the
 * database so that every gateway instance sharing it takes the change without a restart: instances
 * compare one version number per decision batch and reload only when it moved.
 */
export async function up(knex: Knex): Promise<void> {
  const mysql = knex.client.config.client === 'mysql2';
  const utf8 = (t: Knex.CreateTableBuilder) => {
    if (mysql) t.charset('utf8mb4');
  };

  await knex.schema.createTable('admin_users', (t) => {
    utf8(t);
    t.string('id', 40).primary();
    t.string('username', 100).notNullable().unique();
    t.string('display_name', 200).notNullable();
    t.string('role', 16).notNullable();
    t.string('tenant_id', 40).nullable();
    /** scrypt$N$r$p$salt$hash, base64url parts. */
    t.string('password_hash', 255).notNullable();
    t.bigInteger('created_at').notNullable();
    t.string('created_by', 100).notNullable();
    t.bigInteger('disabled_at').nullable();
    t.index(['tenant_id']);
  });

  await knex.schema.createTable('policy_changes', (t) => {
    utf8(t);
    t.string('id', 40).primary();
    t.string('pack_id', 40).notNullable();
    t.string('kind', 16).notNullable();
    /** The revision in force when the change was drafted; approval refuses a change drafted on an older one. */
    t.string('base_revision_id', 100).notNullable();
    t.string('revision_id', 100).notNullable();
    t.text('content', 'mediumtext').notNullable();
    t.text('diff').notNullable();
    t.text('reason').notNullable();
    t.string('author', 100).notNullable();
    t.string('status', 16).notNullable();
    t.bigInteger('created_at').notNullable();
    t.string('reviewed_by', 100).nullable();
    t.bigInteger('reviewed_at').nullable();
    t.text('review_note').nullable();
    t.index(['pack_id', 'created_at']);
  });

  /** The pack revision in force, per pack, when an officer has published one. */
  await knex.schema.createTable('policy_active', (t) => {
    utf8(t);
    t.string('pack_id', 40).primary();
    t.string('revision_id', 100).notNullable();
    t.string('change_id', 40).notNullable();
    t.bigInteger('published_at').notNullable();
  });

  /** One row; bumped in the same transaction as every publication. */
  await knex.schema.createTable('policy_version', (t) => {
    t.integer('id').primary();
    t.bigInteger('version').notNullable();
  });
  await knex('policy_version').insert({ id: 1, version: 0 });

  // The dashboard, the decision search and the what-if read every tenant's decisions of a period.
  await knex.schema.alterTable('decisions', (t) => {
    t.index(['decided_at'], 'decisions_decided_at_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('decisions', (t) => {
    t.dropIndex(['decided_at'], 'decisions_decided_at_index');
  });
  for (const table of ['policy_version', 'policy_active', 'policy_changes', 'admin_users']) await knex.schema.dropTableIfExists(table);
}
