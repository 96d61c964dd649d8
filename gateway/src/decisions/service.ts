import type { FastifyBaseLogger } from 'fastify';
import type { TrailEvent } from '../audit/events';
import { DECISION_STREAMS, type AuditTrail } from '../audit/trail';
import { decide, unavailableDecision } from '../engine/engine';
import type { CallInput, Decision } from '../engine/types';
import { AppError } from '../errors';
import type { PolicyStore } from '../policy/store';
import type { RegistryStore } from '../registries/store';
import { isMysql, type Db } from '../storage/db';
import { loadBatchFacts, type FactSources, type Resolved } from '../storage/facts';
import { newId } from '../storage/ids';
import { decisionEvent, toRow, type DecisionRecord } from './record';
import type { DecisionSpool } from './spool';

/**
 * Work an allowed call needs before it is answered (a SIP signature): it runs before the decision is
 * written, and what it returns commits in the decision's transaction, so the two are never apart.
 * When it throws, the call is recorded as denied GATEWAY_UNAVAILABLE instead of allowed.
 */
export type AllowedStep = (record: DecisionRecord) => { table: string; row: Record<string, unknown>; event: TrailEvent } | null;

interface Pending {
  call: CallInput;
  allowedStep?: AllowedStep;
  queuedAt: bigint;
  resolve: (record: DecisionRecord) => void;
  reject: (error: Error) => void;
}

const MYSQL_DEADLOCK = 'ER_LOCK_DEADLOCK';
const MAX_TRIES = 3;

const micros = (from: bigint, to: bigint = process.hrtime.bigint()) => Number((to - from) / 1000n);

/** Lock keys for the rows that serialise decisions about the same callee or display number. */
function lockKeys(calls: CallInput[]): string[] {
  const keys = new Set<string>();
  for (const c of calls) {
    keys.add(`callee:${c.callee}`);
    if (c.caller) keys.add(`caller:${c.caller}`);
  }
  return [...keys].sort();
}

/**
 * Decides calls with group commit: calls that arrive while a batch is being written wait for the
 * next batch, and each batch is one transaction that locks its callees and display numbers, reads
 * their facts, decides every call in arrival order and writes every decision and attempt before any
 * answer leaves. One transaction per batch, not per call, is what lets durable decisions keep up
 * with the dialers; the row locks are what keep caps exact across gateway instances.
 */
export class DecisionService {
  private queue: Pending[] = [];
  private running = 0;
  private scheduled = false;
  /** Lock rows this process knows exist: rows are never deleted, so each is inserted once. */
  private readonly knownLockRows = new Set<string>();
  private readonly concurrency: number;
  /** Each batch in flight appends to its own trail chain, so concurrent batches never wait on one head. */
  private readonly freeStreams: string[];

  constructor(
    private readonly db: Db,
    private readonly sources: { policyStore: PolicyStore; registries: RegistryStore },
    private readonly spool: DecisionSpool,
    private readonly options: { instanceId: string; batchMax: number; log: FastifyBaseLogger; audit: AuditTrail },
  ) {
    // SQLite has one writer; on MySQL, batches overlap while another waits for its commit to be
    // flushed, and the row locks keep batches about the same callee in turn.
    this.concurrency = isMysql(db) ? 4 : 1;
    this.freeStreams = DECISION_STREAMS.slice(0, this.concurrency);
  }

  /** Decides a call now; an allowed call takes its place in the frequency counters. */
  decide(call: CallInput, allowedStep?: AllowedStep): Promise<DecisionRecord> {
    return new Promise((resolve, reject) => {
      this.queue.push({ call, allowedStep, queuedAt: process.hrtime.bigint(), resolve, reject });
      this.schedule();
    });
  }

  /** Starts batches after the current I/O phase, so that every request read in it can join one. */
  private schedule(): void {
    if (this.scheduled || this.running >= this.concurrency) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      while (this.running < this.concurrency && this.queue.length > 0) void this.runNext();
    });
  }

  private async runNext(): Promise<void> {
    this.running++;
    const stream = this.freeStreams.pop()!;
    try {
      await this.runBatch(this.queue.splice(0, this.options.batchMax), stream);
    } finally {
      this.freeStreams.push(stream);
      this.running--;
      if (this.queue.length > 0) this.schedule();
    }
  }

  /** The same question for another instant; reads only, records nothing. */
  async evaluate(call: CallInput, at: number): Promise<Decision> {
    await this.sources.registries.sync();
    const batch = await loadBatchFacts(this.db, [call], await this.sourcesInForce(), Math.min(at, Date.now()));
    const resolved = batch.resolved[0];
    if (resolved instanceof AppError) throw resolved;
    return decide(resolved.call, resolved.facts, resolved.policy, at);
  }

  private async runBatch(batch: Pending[], stream: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const outcomes = await this.commitBatch(batch, stream);
        outcomes.forEach((outcome, i) => (outcome instanceof AppError ? batch[i].reject(outcome) : batch[i].resolve(outcome)));
        return;
      } catch (error) {
        if ((error as { code?: string }).code === MYSQL_DEADLOCK && attempt < MAX_TRIES) continue;
        this.options.log.error({ err: error }, 'decision batch failed; denying its calls GATEWAY_UNAVAILABLE');
        this.failClosed(batch, error as Error);
        return;
      }
    }
  }

  /** Published revisions take effect on every instance from the next batch, without a restart. */
  private async sourcesInForce(): Promise<FactSources> {
    const { policyStore, registries } = this.sources;
    const policies = await policyStore.current();
    return { policies, resolver: policyStore.resolverFor(policies), registries };
  }

  private async commitBatch(batch: Pending[], stream: string): Promise<(DecisionRecord | AppError)[]> {
    const calls = batch.map((p) => p.call);
    // Any newer do-not-call list is loaded into memory before the batch takes its row locks: a list
    // of tens of megabytes read while holding them would stall every instance deciding the same callees.
    const [sources] = await Promise.all([this.sourcesInForce(), this.sources.registries.sync()]);
    const mysql = isMysql(this.db);
    const keys = lockKeys(calls);
    // Lock rows are created outside the transaction: inserting them inside would take gap locks
    // that make concurrent batches deadlock.
    const missing = keys.filter((k) => !this.knownLockRows.has(k));
    if (mysql && missing.length > 0) {
      await this.db('gate_locks').insert(missing.map((k) => ({ k }))).onConflict('k').ignore();
      if (this.knownLockRows.size > 1_000_000) this.knownLockRows.clear();
      for (const k of missing) this.knownLockRows.add(k);
    }
    return this.db.transaction(
      async (trx) => {
        if (mysql) await trx('gate_locks').whereIn('k', keys).orderBy('k').forUpdate().select('k');
        // An import may have been acknowledged since the sync above, and no decision after that may
        // use the list it replaced: the versions are read again inside the transaction (one small
        // query), and only a list that moved in between is loaded here.
        await this.sources.registries.sync(trx);
        const now = Date.now();
        const facts = await loadBatchFacts(trx, calls, sources, now);
        const steps: NonNullable<ReturnType<AllowedStep>>[] = [];
        const outcomes = facts.resolved.map((resolved, i) => {
          if (resolved instanceof AppError) return resolved;
          const record = this.withAllowedStep(this.decideOne(resolved, batch[i], now, batch.length), batch[i], steps);
          if (record.allow) facts.noteAttempt(resolved.call, now);
          return record;
        });
        const records = outcomes.filter((o): o is DecisionRecord => !(o instanceof AppError));
        const rows = records.map(toRow);
        if (rows.length > 0) await trx('decisions').insert(rows);
        const attempts = records.filter((r) => r.allow).map((r) => attemptRow(r));
        if (attempts.length > 0) await trx('call_attempts').insert(attempts);
        for (const step of steps) await trx(step.table).insert(step.row);
        // Invariant 3 includes the trail: the answer leaves only once the trail event is committed.
        await this.options.audit.append(trx, stream, [...rows.map(decisionEvent), ...steps.map((s) => s.event)]);
        return outcomes;
      },
      mysql ? { isolationLevel: 'read committed' } : undefined,
    );
  }

  private decideOne(resolved: Resolved, pending: Pending, now: number, batchSize: number): DecisionRecord {
    const started = process.hrtime.bigint();
    // The input is captured before the decision so it shows the history as the engine saw it.
    const input = structuredInput(resolved);
    const { location, ...decision } = decide(resolved.call, resolved.facts, resolved.policy, now);
    return {
      ...decision,
      id: newId('dec'),
      decidedAt: now,
      instanceId: this.options.instanceId,
      call: resolved.call,
      // Where the callee was taken to be is part of what the engine saw, on the trail with the facts.
      input: { ...input, location },
      timing: { queuedUs: micros(pending.queuedAt, started), engineUs: micros(started), batchSize },
    };
  }

  /** Runs an allowed call's step; a step that fails turns the allow into a fail-closed denial. */
  private withAllowedStep(record: DecisionRecord, pending: Pending, steps: NonNullable<ReturnType<AllowedStep>>[]): DecisionRecord {
    if (!record.allow || !pending.allowedStep) return record;
    try {
      const step = pending.allowedStep(record);
      if (step) steps.push(step);
      return record;
    } catch (error) {
      this.options.log.error({ err: error }, 'an allowed call could not be prepared; denying it GATEWAY_UNAVAILABLE');
      const detail = `The gateway could not prepare the call (${(error as Error).message.slice(0, 200)}); the call is denied`;
      return { ...record, ...unavailableDecision(record.policyRevision, detail) };
    }
  }

  private failClosed(batch: Pending[], error: Error): void {
    const now = Date.now();
    const records: DecisionRecord[] = batch.map((p) => ({
      ...unavailableDecision('unknown', `The gateway could not reach its database (${error.message.slice(0, 200)}); the call is denied`),
      id: newId('dec'),
      decidedAt: now,
      instanceId: this.options.instanceId,
      call: p.call,
      input: { call: p.call },
      timing: { queuedUs: micros(p.queuedAt), engineUs: 0, batchSize: batch.length },
    }));
    try {
      this.spool.append(records.map(toRow));
    } catch (spoolError) {
      this.options.log.fatal({ err: spoolError }, 'cannot spool fail-closed decisions either');
    }
    records.forEach((r, i) => batch[i].resolve(r));
  }
}

function structuredInput(resolved: Resolved) {
  const { facts } = resolved;
  return { call: resolved.call, facts: { ...facts, calleeAttempts: [...facts.calleeAttempts], callerWindows: facts.callerWindows.map((w) => ({ ...w })) } };
}

function attemptRow(record: DecisionRecord) {
  return {
    decision_id: record.id,
    tenant_id: record.call.tenantId,
    campaign_id: record.call.campaignId,
    caller: record.call.caller,
    callee: record.call.callee,
    attempted_at: record.decidedAt,
    source: 'decision',
  };
}
