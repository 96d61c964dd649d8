import type { Knex } from 'knex';

/**
 * What real call centres report and hold: whether answer-machine detection fired on a call and
 * whether the information message played (Ofcom's AMD and abandoned-call rules, 47 CFR
 * 64.1200(a)(7)); whether a display number takes return calls and do-not-call requests; and how
 * long a campaign keeps its recordings (China's 2020 call-centre notice: at least 30 days).
 * Null everywhere means "not stated".
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('call_outcomes', (t) => {
    t.boolean('answer_machine').nullable();
    t.boolean('info_message').nullable();
  });
  await knex.schema.alterTable('call_attempts', (t) => {
    t.boolean('answer_machine').nullable();
  });
  await knex.schema.alterTable('caller_numbers', (t) => {
    t.boolean('accepts_return_calls').nullable();
    t.boolean('accepts_opt_out_requests').nullable();
  });
  await knex.schema.alterTable('campaigns', (t) => {
    t.integer('recording_retention_days').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('campaigns', (t) => t.dropColumn('recording_retention_days'));
  await knex.schema.alterTable('caller_numbers', (t) => {
    t.dropColumn('accepts_opt_out_requests');
    t.dropColumn('accepts_return_calls');
  });
  await knex.schema.alterTable('call_attempts', (t) => t.dropColumn('answer_machine'));
  await knex.schema.alterTable('call_outcomes', (t) => {
    t.dropColumn('info_message');
    t.dropColumn('answer_machine');
  });
}
