import fs from 'node:fs';
import type { CountryCode } from 'libphonenumber-js';
import type { Audit } from '../audit/open';
import type { Config } from '../config';
import { AppError } from '../errors';
import { logAction, type Actor } from '../storage/admin-log';
import type { Db } from '../storage/db';
import { COMPLAINT_SOURCES, intakeComplaints, MAX_COMPLAINTS_PER_REQUEST, type ComplaintSource, type RowError } from './complaints';
import { COMPLAINT_FORMATS, parseComplaintFile } from './complaint-file';
import { liftSuspension, listSuspensions } from './suspensions';
import { loadAbuseThresholds } from './thresholds';

interface CliKit {
  withDb<T>(config: Config, work: (db: Db, audit: Audit) => Promise<T>): Promise<T>;
  print(value: unknown): void;
  usage(message: string): Error;
  operator(): Actor;
}

export const ABUSE_USAGE = `  complaint import --file F.csv [--format generic|12321|ftc] [--tenant T] [--source S]
                  [--country CC] [--time-zone ZONE]
                                          complaints from a regulator's or carrier's feed: all rows or none;
                                          each puts an opt-out in force and counts toward the abuse thresholds
  abuse list [--tenant T] [--status active|lifted]
  abuse lift --id S --reason TEXT [--by WHO]
                                          lift a suspension after reviewing its evidence
`;

const str = (o: Record<string, unknown>, k: string): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : undefined);

/** A refused file: every bad row by its line, then the count; nothing was recorded. */
function refuse(errors: RowError[], kit: CliKit): Error {
  const shown = errors.slice(0, 50).map((e) => `  line ${e.row}: ${e.message}`);
  const more = errors.length > shown.length ? [`  … and ${errors.length - shown.length} more`] : [];
  return new Error(`${errors.length} row(s) refused, nothing was recorded:\n${[...shown, ...more].join('\n')}`);
}

async function importComplaints(config: Config, o: Record<string, unknown>, kit: CliKit): Promise<void> {
  const file = str(o, 'file');
  if (!file) throw kit.usage('--file is required');
  if (!fs.existsSync(file)) throw kit.usage(`no file ${file}`);
  const format = str(o, 'format') ?? 'generic';
  if (!COMPLAINT_FORMATS[format]) throw kit.usage(`--format must be one of ${Object.keys(COMPLAINT_FORMATS).join(', ')}`);
  const source = str(o, 'source');
  if (source && !(COMPLAINT_SOURCES as readonly string[]).includes(source)) throw kit.usage(`--source must be one of ${COMPLAINT_SOURCES.join(', ')}`);
  const country = str(o, 'country')?.toUpperCase();
  if (country && !/^[A-Z]{2}$/.test(country)) throw kit.usage('--country must be an ISO 3166 alpha-2 code, e.g. CN');
  const thresholds = loadAbuseThresholds(config.policyDir);
  let parsed;
  try {
    parsed = parseComplaintFile(fs.readFileSync(file, 'utf8'), format, { country: country as CountryCode | undefined, timeZone: str(o, 'time-zone'), source: source as ComplaintSource | undefined });
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
  if (parsed.errors.length > 0) throw refuse(parsed.errors, kit);
  if (parsed.rows.length > MAX_COMPLAINTS_PER_REQUEST * 10) throw kit.usage(`at most ${MAX_COMPLAINTS_PER_REQUEST * 10} complaints a file; split it`);
  await kit.withDb(config, async (db) => {
    const actor = kit.operator();
    const result = { received: 0, duplicates: 0, optOuts: 0, suspensions: [] as unknown[] };
    try {
      // One file is one transaction: a bad row refuses the file, so a re-run after fixing it is clean.
      const intake = await intakeComplaints(db, thresholds, parsed.rows, { tenantId: str(o, 'tenant') ?? null, recordedBy: actor.subject }, Date.now(), MAX_COMPLAINTS_PER_REQUEST * 10);
      Object.assign(result, { received: intake.received, duplicates: intake.duplicates, optOuts: intake.optOuts.length, suspensions: intake.suspensions });
    } catch (error) {
      if (error instanceof AppError && error.code === 'COMPLAINT_ROWS_INVALID') {
        const rows = ((error.details as { rows: RowError[] }).rows ?? []).map((e) => ({ row: parsed.lines[e.row - 1] ?? e.row, message: e.message }));
        throw refuse(rows, kit);
      }
      throw error;
    }
    await logAction(db, actor, 'cli complaint import', file, { format, ...result, suspensions: result.suspensions.length }, str(o, 'tenant') ?? null);
    kit.print(result);
  });
}

export async function runAbuseCommand(command: string, config: Config, o: Record<string, unknown>, kit: CliKit): Promise<void> {
  switch (command) {
    case 'complaint import':
      return importComplaints(config, o, kit);
    case 'abuse list': {
      const status = str(o, 'status');
      if (status && status !== 'active' && status !== 'lifted') throw kit.usage('--status must be active or lifted');
      return kit.withDb(config, async (db) => kit.print(await listSuspensions(db, { tenantId: str(o, 'tenant') ?? null, active: status ? status === 'active' : undefined })));
    }
    case 'abuse lift':
      return kit.withDb(config, async (db) => {
        const id = str(o, 'id');
        const reason = str(o, 'reason');
        if (!id || !reason) throw kit.usage('--id and --reason are required');
        const lifted = await liftSuspension(db, id, reason, kit.operator().subject);
        await logAction(db, kit.operator(), 'cli abuse lift', id, { reason }, lifted.tenantId);
        kit.print(lifted);
      });
    default:
      throw kit.usage(`unknown command "${command}"`);
  }
}
