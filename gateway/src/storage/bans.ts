import { AppError } from '../errors';
import type { BanFacts } from '../engine/types';
import type { Db } from './db';
import { newId } from './ids';

/**
 * No-call days the operator enters when no calendar knows them: a state of emergency (Louisiana
 * forbids solicitation during one), a day of mourning, a governor's extra holiday.
 */
export interface CallingBan extends BanFacts {
  createdBy: string;
  createdAt: number;
  revokedAt: number | null;
}

type Row = Record<string, any>;

const toBan = (r: Row): CallingBan => ({
  id: r.id,
  region: r.region,
  startsOn: r.starts_on,
  endsOn: r.ends_on,
  reason: r.reason,
  createdBy: r.created_by,
  createdAt: Number(r.created_at),
  revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
});

const MAX_DAYS = 366;
const REGION = /^[A-Z]{2}(-[A-Z0-9]{1,3})?$/;

export async function createBan(db: Db, input: { region: string; startsOn: string; endsOn: string; reason: string; createdBy: string }): Promise<CallingBan> {
  if (!REGION.test(input.region)) throw new AppError('VALIDATION_FAILED', `region ${input.region} must be a country (US) or an ISO 3166-2 subdivision (US-LA)`);
  const from = Date.parse(`${input.startsOn}T00:00:00Z`);
  const to = Date.parse(`${input.endsOn}T00:00:00Z`);
  if (Number.isNaN(from) || Number.isNaN(to)) throw new AppError('VALIDATION_FAILED', 'startsOn and endsOn must be calendar dates, YYYY-MM-DD');
  if (to < from) throw new AppError('VALIDATION_FAILED', 'endsOn must not be before startsOn');
  if ((to - from) / 86_400_000 >= MAX_DAYS) throw new AppError('VALIDATION_FAILED', `a ban lasts at most ${MAX_DAYS} days; enter a longer one in parts`);
  const row = { id: newId('ban'), region: input.region, starts_on: input.startsOn, ends_on: input.endsOn, reason: input.reason, created_by: input.createdBy, created_at: Date.now(), revoked_at: null };
  await db('calling_bans').insert(row);
  return toBan(row);
}

export async function listBans(db: Db): Promise<CallingBan[]> {
  return (await db('calling_bans').orderBy('starts_on')).map(toBan);
}

export async function revokeBan(db: Db, id: string): Promise<CallingBan> {
  const updated = await db('calling_bans').where({ id }).whereNull('revoked_at').update({ revoked_at: Date.now() });
  const row = await db('calling_bans').where({ id }).first();
  if (!row) throw new AppError('BAN_NOT_FOUND', `No calling ban ${id}`);
  if (updated === 0 && row.revoked_at === null) throw new AppError('BAN_NOT_FOUND', `No calling ban ${id}`);
  return toBan(row);
}

/** Bans not revoked that end on or after `fromDate` (YYYY-MM-DD): few rows, one query per batch. */
export async function activeBans(q: Db, fromDate: string): Promise<BanFacts[]> {
  const rows = await q('calling_bans').whereNull('revoked_at').andWhere('ends_on', '>=', fromDate).select('id', 'region', 'starts_on', 'ends_on', 'reason');
  return rows.map((r: Row) => ({ id: r.id, region: r.region, startsOn: r.starts_on, endsOn: r.ends_on, reason: r.reason }));
}
