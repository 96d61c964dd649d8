import crypto from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { WebhookConfig } from '../config';
import type { Db } from '../storage/db';

/** Alerts older than this are not offered to a URL configured after them. */
const BACKFILL_MS = 24 * 3_600_000;
const CLAIM_MS = 30_000;
const TIMEOUT_MS = 10_000;
export const MAX_ATTEMPTS = 12;
const BATCH = 50;

/**
 * The signature a receiver checks: HMAC-SHA256 over "<unix seconds>.<body>" with the shared
 * secret, sent as `X-Callgate-Signature: t=<unix seconds>,v1=<hex>`. The instant in the signed
 * text lets a receiver refuse a replayed delivery.
 */
export function signWebhook(secret: string, body: string, unixSeconds: number): string {
  const mac = crypto.createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** Wait before the next attempt: 5 s doubling, at most an hour. */
export const retryDelayMs = (attempts: number) => Math.min(5_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);

/** Gives every configured URL a delivery of each recent alert; the unique key makes it idempotent across instances. */
async function enqueue(db: Db, urls: string[], now: number): Promise<void> {
  for (const url of urls) {
    const missing = await db('abuse_alerts as a')
      .where('a.created_at', '>', now - BACKFILL_MS)
      .whereNotExists((q) => q.select(db.raw('1')).from('webhook_deliveries as d').whereRaw('d.alert_id = a.id').andWhere('d.url', url))
      .limit(500)
      .pluck('a.id');
    if (missing.length === 0) continue;
    await db('webhook_deliveries')
      .insert(missing.map((alertId: string) => ({ alert_id: alertId, url, attempts: 0, next_attempt_at: now })))
      .onConflict(['alert_id', 'url'])
      .ignore();
  }
}

/** Claims due deliveries for this instance, so two instances do not post the same one at once. */
async function claim(db: Db, instanceId: string, now: number): Promise<{ id: number; url: string; payload: string; attempts: number }[]> {
  const due = await db('webhook_deliveries')
    .whereNull('delivered_at')
    .andWhere('abandoned', false)
    .andWhere('next_attempt_at', '<=', now)
    .andWhere((q) => q.whereNull('claimed_until').orWhere('claimed_until', '<', now))
    .orderBy('id')
    .limit(BATCH)
    .pluck('id');
  if (due.length === 0) return [];
  await db('webhook_deliveries')
    .whereIn('id', due)
    .andWhere((q) => q.whereNull('claimed_until').orWhere('claimed_until', '<', now))
    .update({ claimed_until: now + CLAIM_MS, claimed_by: instanceId });
  const rows = await db('webhook_deliveries as d').join('abuse_alerts as a', 'a.id', 'd.alert_id').whereIn('d.id', due).andWhere('d.claimed_by', instanceId).andWhere('d.claimed_until', now + CLAIM_MS).select('d.id', 'd.url', 'd.attempts', 'a.payload');
  return rows.map((r: Record<string, any>) => ({ id: Number(r.id), url: r.url, payload: r.payload, attempts: Number(r.attempts) }));
}

async function post(url: string, body: string, secret: string, deliveryId: number): Promise<string | null> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-callgate-signature': signWebhook(secret, body, Math.floor(Date.now() / 1000)), 'x-callgate-delivery': String(deliveryId) },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    await res.body?.cancel();
    return res.status >= 200 && res.status < 300 ? null : `answered ${res.status}`;
  } catch (error) {
    return (error as Error).message.slice(0, 500);
  }
}

/** One pass: enqueue, claim, post, record. Exported for tests, which drive it without a timer. */
export async function deliverWebhooks(db: Db, config: WebhookConfig, instanceId: string, log?: FastifyBaseLogger, now = Date.now()): Promise<{ delivered: number; failed: number }> {
  if (config.urls.length === 0 || !config.secret) return { delivered: 0, failed: 0 };
  await enqueue(db, config.urls, now);
  const result = { delivered: 0, failed: 0 };
  for (const d of await claim(db, instanceId, now)) {
    const error = await post(d.url, d.payload, config.secret, d.id);
    const attempts = d.attempts + 1;
    if (error === null) {
      await db('webhook_deliveries').where({ id: d.id }).update({ attempts, delivered_at: Date.now(), claimed_until: null, last_error: null });
      result.delivered++;
      continue;
    }
    const abandoned = attempts >= MAX_ATTEMPTS;
    await db('webhook_deliveries').where({ id: d.id }).update({ attempts, next_attempt_at: now + retryDelayMs(attempts), claimed_until: null, last_error: error, abandoned });
    result.failed++;
    if (abandoned) log?.error({ url: d.url, delivery: d.id, error }, 'abuse webhook abandoned after the last attempt');
    else log?.warn({ url: d.url, delivery: d.id, attempts, error }, 'abuse webhook not delivered; retrying');
  }
  return result;
}

/** Every 2 s while the gateway runs. */
export function scheduleAbuseWebhooks(db: Db, config: WebhookConfig, instanceId: string, log: FastifyBaseLogger): { stop(): Promise<void> } {
  if (config.urls.length === 0) return { stop: async () => undefined };
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() => deliverWebhooks(db, config, instanceId, log)).catch((error) => log.warn({ err: error }, 'abuse webhooks not delivered this time'));
  }, 2_000);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
