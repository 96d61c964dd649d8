import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { PolicyError, POLICIES_DIR } from '../policy/loader';

/**
 * The thresholds at which complaints suspend a display number or a tenant. They are policy, kept
 * as data beside the packs (`policies/abuse/thresholds.json`), each with the source of its figure
 * and its status; they bind every pack because a sweeper is a sweeper whatever the country.
 */
export interface AbuseThreshold {
  id: string;
  subject: 'caller_number' | 'tenant' | 'consent';
  signal: 'complaints' | 'no_consent_share' | 'block_sweep' | 'short_answered_share' | 'consent_same_ip' | 'consent_rhythm' | 'consent_shared_text';
  /** complaints and block_sweep: how many within the window. */
  count?: number;
  /** complaints: the window in days. */
  windowDays?: number;
  /** Behaviour signals: the window in minutes. */
  windowMinutes?: number;
  /** Shares: the share of events, and the fewest events for a share to count. */
  share?: number;
  minEvents?: number;
  blockDigits?: number;
  shortSeconds?: number;
  maxVariation?: number;
  action: 'suspend' | 'observe';
  status: string;
  source: string;
}

export interface AbuseThresholds {
  revision: string;
  thresholds: AbuseThreshold[];
}

const schema = JSON.parse(fs.readFileSync(path.join(POLICIES_DIR, 'schema', 'abuse-thresholds.schema.json'), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

export function parseAbuseThresholds(text: string, where: string): AbuseThresholds {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new PolicyError(where, [`not JSON: ${(error as Error).message}`]);
  }
  if (!validate(data)) throw new PolicyError(where, (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`));
  const parsed = data as AbuseThresholds;
  const ids = parsed.thresholds.map((t) => t.id);
  const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (twice.length > 0) throw new PolicyError(where, [`threshold ids must be unique: ${twice.join(', ')}`]);
  return { revision: parsed.revision, thresholds: parsed.thresholds };
}

/** The policy folder's thresholds, or the shipped ones when the folder has none (a folder of packs only). */
export function loadAbuseThresholds(policyDir: string | null): AbuseThresholds {
  const own = policyDir ? path.join(policyDir, 'abuse', 'thresholds.json') : null;
  const file = own && fs.existsSync(own) ? own : path.join(POLICIES_DIR, 'abuse', 'thresholds.json');
  return parseAbuseThresholds(fs.readFileSync(file, 'utf8'), file);
}
