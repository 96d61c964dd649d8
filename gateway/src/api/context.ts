import type {} from '@fastify/swagger';
import type { Audit } from '../audit/open';
import type { Config } from '../config';
import type { DecisionService } from '../decisions/service';
import type { DecisionSpool } from '../decisions/spool';
import type { PolicyStore } from '../policy/store';
import type { CompiledPolicy } from '../policy/types';
import type { RegistryStore } from '../registries/store';
import type { Db } from '../storage/db';

/** What route plugins share: the database, the decision service and the policy packs in force. */
export interface GatewayContext {
  config: Config;
  db: Db;
  decisions: DecisionService;
  spool: DecisionSpool;
  policies: Map<string, CompiledPolicy>;
  /** The packs in force including revisions published through the admin UI, and their resolver. */
  policyStore: PolicyStore;
  registries: RegistryStore;
  signingSecret: string;
  /** The tamper-evident trail, its signing key and its number pseudonyms. */
  audit: Audit;
}

declare module 'fastify' {
  interface FastifyInstance {
    gate: GatewayContext;
  }
}
