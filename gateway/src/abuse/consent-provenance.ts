import crypto from 'node:crypto';
import type { Db } from '../storage/db';
import { newId } from '../storage/ids';
import { parseJson } from '../storage/json';
import { raiseAlert } from './alerts';
import { after, cursor, MINUTE, minuteOf, PAGE, windowSums, type Tally } from './signals';
import type { AbuseThreshold, AbuseThresholds } from './thresholds';

/**
 * Consent provenance: evidence that looks manufactured rather than given — one IP address behind
 * hundreds of consents, capture instants in machine rhythm, one text across several companies.
 * Such consents are flagged for an officer's review and alerted; they are not refused here, since
 * each can still be genuine, and a refusal on a guess would stop lawful calls.
 */
export interface ConsentFlag {
  id: string;
  tenantId: string;
  signal: string;
  subject: string;
  consents: number;
  exampleConsentIds: string[];
  message: string;
  flaggedAt: number;
}

interface ReadConsent {
  id: string;
  tenantId: string;
  obtainedAt: number;
  ip: string | null;
  page: string | null;
  textHash: string | null;
}

export interface ConsentRead {
  read: number;
  rows: ReadConsent[];
}

const of = (policy: AbuseThresholds, signal: AbuseThreshold['signal']) => policy.thresholds.filter((t) => t.signal === signal);

export async function readConsents(trx: Db, policy: AbuseThresholds, tally: Tally, until: number): Promise<ConsentRead> {
  if (!policy.thresholds.some((t) => t.subject === 'consent')) return { read: 0, rows: [] };
  const longest = Math.max(0, ...policy.thresholds.map((t) => (t.windowMinutes ?? 0) * MINUTE));
  const from = await cursor(trx, 'consents', until - longest);
  const raw = await trx('consents').where(after('created_at', 'id', from)).andWhere('created_at', '<=', until).orderBy([{ column: 'created_at' }, { column: 'id' }]).limit(PAGE).select('id', 'tenant_id', 'obtained_at', 'created_at', 'evidence');
  const rows: ReadConsent[] = raw.map((r: Record<string, any>) => {
    const evidence = parseJson(r.evidence, {}) as { ip?: string; pageUrl?: string; textShown?: string };
    return {
      id: r.id,
      tenantId: r.tenant_id,
      obtainedAt: Number(r.obtained_at),
      ip: typeof evidence.ip === 'string' && evidence.ip ? evidence.ip.slice(0, 64) : null,
      page: typeof evidence.pageUrl === 'string' && evidence.pageUrl ? evidence.pageUrl.slice(0, 150) : null,
      textHash: typeof evidence.textShown === 'string' ? crypto.createHash('sha256').update(evidence.textShown.trim()).digest('hex').slice(0, 32) : null,
    };
  });
  for (const [i, c] of rows.entries()) {
    const at = Number(raw[i].created_at);
    if (c.ip) tally.add({ kind: 'consent_ip', subject: `${c.tenantId}|${c.ip}`, metric: 'consents', tenantId: c.tenantId }, at);
    // One row per text and tenant (the counts are keyed by subject): how many tenants share a text is then a count of rows.
    if (c.textHash) tally.add({ kind: 'consent_text', subject: `${c.textHash}|${c.tenantId}`, metric: 'consents', tenantId: c.tenantId }, at);
  }
  const last = raw.at(-1);
  if (last) await trx('abuse_signal_cursors').where({ name: 'consents' }).update({ position_at: Number(last.created_at), position_id: last.id });
  return { read: rows.length, rows };
}

async function flag(trx: Db, out: ConsentFlag[], t: AbuseThreshold, tenantId: string, subject: string, consents: number, examples: string[], message: string, now: number): Promise<void> {
  const row = { id: newId('cfl'), tenant_id: tenantId, signal: t.id, subject: subject.slice(0, 200), consents, example_consent_ids: JSON.stringify(examples.slice(0, 5)), message, flagged_at: now };
  const before = await trx('consent_flags').where({ tenant_id: tenantId, signal: t.id, subject: row.subject }).first();
  if (before) return;
  await trx('consent_flags').insert(row);
  const stored: ConsentFlag = { id: row.id, tenantId, signal: t.id, subject: row.subject, consents, exampleConsentIds: examples.slice(0, 5), message, flaggedAt: now };
  await raiseAlert(trx, 'consent.flagged', tenantId, { flag: stored }, now);
  out.push(stored);
}

/** Evenly spaced (or identical) capture instants: the spread of the gaps, relative to their mean. */
export function gapVariation(instants: number[]): number {
  const sorted = [...instants].sort((a, b) => a - b);
  const gaps = sorted.slice(1).map((v, i) => v - sorted[i]);
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  if (mean === 0) return 0;
  const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length);
  return sd / mean;
}

export async function judgeConsents(trx: Db, policy: AbuseThresholds, tally: Tally, read: ConsentRead, now: number): Promise<ConsentFlag[]> {
  const out: ConsentFlag[] = [];
  if (read.rows.length === 0) return out;
  for (const t of of(policy, 'consent_same_ip')) {
    const subjects = [...new Set(read.rows.filter((c) => c.ip).map((c) => `${c.tenantId}|${c.ip}`))];
    const sums = await windowSums(trx, 'consent_ip', subjects, 'consents', now - t.windowMinutes! * MINUTE);
    for (const [subject, n] of sums) {
      if (n < t.count!) continue;
      const [tenantId, ip] = [subject.slice(0, subject.indexOf('|')), subject.slice(subject.indexOf('|') + 1)];
      const examples = read.rows.filter((c) => c.tenantId === tenantId && c.ip === ip).map((c) => c.id);
      await flag(trx, out, t, tenantId, `ip ${ip}`, n, examples, `${n} consents from the one IP address ${ip} within ${t.windowMinutes} minutes reached ${t.count} (${t.id}, ${t.status})`, now);
    }
  }
  for (const t of of(policy, 'consent_rhythm')) {
    const byPage = new Map<string, ReadConsent[]>();
    for (const c of read.rows) {
      const key = `${c.tenantId}|${c.page ?? c.ip ?? '-'}`;
      byPage.set(key, [...(byPage.get(key) ?? []), c]);
    }
    for (const [key, group] of byPage) {
      if (group.length < t.minEvents!) continue;
      const variation = gapVariation(group.map((c) => c.obtainedAt));
      if (variation > t.maxVariation!) continue;
      const where = key.slice(key.indexOf('|') + 1);
      await flag(trx, out, t, group[0].tenantId, `source ${where}`, group.length, group.map((c) => c.id), `${group.length} consents from ${where} have capture instants in machine rhythm (gap variation ${variation.toFixed(2)}, at most ${t.maxVariation} looks generated; ${t.id}, ${t.status})`, now);
    }
  }
  for (const t of of(policy, 'consent_shared_text')) {
    const hashes = [...new Set(read.rows.map((c) => c.textHash).filter((h): h is string => h !== null))];
    for (let i = 0; i < hashes.length; i += 100) {
      const part = hashes.slice(i, i + 100);
      const rows = await trx('abuse_signal_counts')
        .where({ subject_kind: 'consent_text', metric: 'consents' })
        .andWhere('minute', '>=', minuteOf(now - t.windowMinutes! * MINUTE))
        .andWhere((q) => part.forEach((h) => q.orWhere('subject', 'like', `${h}|%`)))
        .distinct('subject');
      const tenantsByText = new Map<string, string[]>();
      for (const r of rows as { subject: string }[]) {
        const [hash, tenantId] = r.subject.split('|');
        tenantsByText.set(hash, [...(tenantsByText.get(hash) ?? []), tenantId]);
      }
      for (const [hash, tenants] of tenantsByText) {
        if (tenants.length < t.count!) continue;
        for (const tenantId of tenants) {
          const examples = read.rows.filter((c) => c.textHash === hash && c.tenantId === tenantId).map((c) => c.id);
          await flag(trx, out, t, tenantId, `text sha256:${hash}…`, tenants.length, examples, `the same consent text (sha256 ${hash.slice(0, 12)}…) is on the consents of ${tenants.length} tenants within ${t.windowMinutes} minutes, at least ${t.count} (${t.id}, ${t.status})`, now);
        }
      }
    }
  }
  return out;
}

type Row = Record<string, any>;
const toFlag = (r: Row): ConsentFlag => ({ id: r.id, tenantId: r.tenant_id, signal: r.signal, subject: r.subject, consents: Number(r.consents), exampleConsentIds: parseJson(r.example_consent_ids, []), message: r.message, flaggedAt: Number(r.flagged_at) });

export async function listConsentFlags(db: Db, tenantId: string | null): Promise<ConsentFlag[]> {
  const query = db('consent_flags').orderBy('flagged_at', 'desc').limit(1000);
  if (tenantId) query.where({ tenant_id: tenantId });
  return (await query).map(toFlag);
}
