/**
 * SQL statements per decision batch: the decision path's fixed cost in round trips, which, unlike
 * throughput on a shared machine, does not vary from run to run. Counted with knex's query event
 * over one-call batches on SQLite, with only the CN pack in force and with every pack in force.
 */
import { POLICIES_DIR } from '../src/policy/loader';
import { startTestGateway } from '../test/support/gateway';

const ROUNDS = 20;

export async function hotPathBench(): Promise<void> {
  for (const [label, env] of [['only the CN pack in force', {}], ['every pack in force', { POLICY_DIR: POLICIES_DIR }]] as const) {
    const gw = await startTestGateway('sqlite', env);
    try {
      const world = await gw.seed();
      const callee = '+8613800138999';
      await gw.consent(world, callee);
      await gw.decide(world, callee);
      let statements = 0;
      gw.gate.db.on('query', () => statements++);
      for (let i = 0; i < ROUNDS; i++) await gw.decide(world, callee);
      console.log(`decision batch, CN campaign, ${label}: ${(statements / ROUNDS).toFixed(1)} SQL statements per one-call batch`);
    } finally {
      await gw.close();
    }
  }
}
