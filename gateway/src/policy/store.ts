import type { Knex } from 'knex';
import { CompiledRevisions } from './compiled-revisions';
import { PolicyResolver } from './resolve';
import type { CompiledPolicy } from './types';

/**
 * The packs in force: the packs from files, overlaid by the revisions compliance officers
 * published in the database. Every gateway instance sharing the database asks `current()` before
 * each decision batch; that costs one primary-key read of a version number, and the published
 * revisions are read and compiled again only when that number moved.
 */
export class PolicyStore {
  private version = -1;
  private policies: Map<string, CompiledPolicy>;
  private readonly compiled = new CompiledRevisions();
  /** One resolver per set of packs in force, so its per-campaign composition cache lives as long as the set. */
  private readonly resolvers = new WeakMap<Map<string, CompiledPolicy>, PolicyResolver>();

  constructor(
    private readonly db: Knex,
    private readonly fromFiles: Map<string, CompiledPolicy>,
  ) {
    this.policies = fromFiles;
  }

  /** The packs as last read; may lag the database by one batch. */
  get known(): Map<string, CompiledPolicy> {
    return this.policies;
  }

  /** Which packs judge a call under the packs in force as last read. */
  get resolver(): PolicyResolver {
    return this.resolverFor(this.policies);
  }

  resolverFor(policies: Map<string, CompiledPolicy>): PolicyResolver {
    let resolver = this.resolvers.get(policies);
    if (!resolver) this.resolvers.set(policies, (resolver = new PolicyResolver(policies)));
    return resolver;
  }

  /** The packs in force now. */
  async current(q: Knex | Knex.Transaction = this.db): Promise<Map<string, CompiledPolicy>> {
    const version = await this.readVersion(q);
    if (version === this.version) return this.policies;
    const active: { pack_id: string; revision_id: string; content: string }[] = await q('policy_active as a')
      .join('policy_revisions as r', 'r.revision_id', 'a.revision_id')
      .select('a.pack_id', 'a.revision_id', 'r.content');
    const next = new Map(this.fromFiles);
    for (const a of active) next.set(a.pack_id, this.compiled.compile(a.revision_id, a.content));
    this.policies = next;
    this.version = version;
    return next;
  }

  /** Raw SQL: this runs before every decision batch, and the query builder costs more than the read. */
  private async readVersion(q: Knex | Knex.Transaction): Promise<number> {
    const result = await q.raw('SELECT version FROM policy_version WHERE id = 1');
    const rows = Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result;
    return rows.length > 0 ? Number(rows[0].version) : 0;
  }
}
