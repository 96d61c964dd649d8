import type { Knex } from 'knex';
import { compilePolicy } from './loader';
import type { CompiledPolicy } from './types';

/** Compiled policy revisions by id: a revision's content never changes, so each is compiled once. */
export class CompiledRevisions {
  private readonly compiled = new Map<string, CompiledPolicy>();
  /** Revisions not stored, or whose content no longer compiles: looked up once too. */
  private readonly unusable = new Set<string>();

  /** The revision compiled from its content; throws when the content does not compile. */
  compile(revisionId: string, content: string): CompiledPolicy {
    const known = this.compiled.get(revisionId);
    if (known) return known;
    const policy = compilePolicy(JSON.parse(content));
    this.compiled.set(revisionId, policy);
    return policy;
  }

  /** The stored revision compiled, or null when it is not stored or no longer compiles. */
  async load(db: Knex, revisionId: string): Promise<CompiledPolicy | null> {
    const known = this.compiled.get(revisionId);
    if (known) return known;
    if (this.unusable.has(revisionId)) return null;
    const row = await db('policy_revisions').where({ revision_id: revisionId }).first('content');
    try {
      if (row) return this.compile(revisionId, row.content);
    } catch {
      // A revision written by an older release may not compile any more: it judges nothing now.
    }
    this.unusable.add(revisionId);
    return null;
  }
}
