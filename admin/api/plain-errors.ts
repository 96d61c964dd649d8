import Ajv, { type ErrorObject } from 'ajv';
import { packSchema } from '../../gateway/src/policy/loader';
import type { PolicyPack } from '../../gateway/src/policy/types';

const ajv = new Ajv({ allErrors: true, strict: false });
const validatePack = ajv.compile(packSchema);

const CLOCK = '^([01]\\d|2[0-3]):[0-5]\\d$|^24:00$';
const DATE = '^\\d{4}-\\d{2}-\\d{2}$';

/** "/rules/8/params/windows/0/seconds" → "CN-CAP-PER-CALLEE › windows #1 › seconds". */
function label(pack: PolicyPack, pointer: string): string {
  const parts = pointer.split('/').filter(Boolean);
  if (parts[0] === 'rules' && parts.length > 1) {
    const rule = pack.rules?.[Number(parts[1])];
    const rest = parts.slice(2).filter((p) => p !== 'params');
    const named: string[] = [];
    for (const p of rest) {
      if (/^\d+$/.test(p) && named.length > 0) named[named.length - 1] += ` #${Number(p) + 1}`;
      else named.push(p);
    }
    return [rule?.id ?? `rule #${Number(parts[1]) + 1}`, ...named].join(' › ');
  }
  return parts.length ? parts.join(' › ') : 'The pack';
}

function sentence(e: ErrorObject): string {
  const p = e.params as Record<string, any>;
  switch (e.keyword) {
    case 'required':
      return `needs a value for "${p.missingProperty}"`;
    case 'type':
      return p.type === 'integer' ? 'must be a whole number' : `must be a ${String(p.type).replace(',', ' or ')}`;
    case 'minimum':
      return `must be at least ${p.limit}`;
    case 'maximum':
      return `must be at most ${p.limit}`;
    case 'minItems':
      return `needs at least ${p.limit} ${p.limit === 1 ? 'entry' : 'entries'}`;
    case 'minLength':
      return 'must not be empty';
    case 'enum':
      return `must be one of: ${(p.allowedValues as unknown[]).join(', ')}`;
    case 'const':
      return `must be ${p.allowedValue}`;
    case 'additionalProperties':
      return `has a field the schema does not know: "${p.additionalProperty}"`;
    case 'pattern':
      if (p.pattern === CLOCK) return 'must be a time of day like 08:00 (24:00 means the end of the day)';
      if (p.pattern === DATE) return 'must be a date like 2026-07-01';
      if (String(p.pattern).startsWith('^\\+')) return 'must be a number prefix like +86170';
      return `does not have the expected form (${p.pattern})`;
    default:
      return e.message ?? 'is not valid';
  }
}

/** Schema problems of a pack in words a compliance officer reads, each naming the rule and field. */
export function plainSchemaProblems(pack: PolicyPack): string[] {
  if (validatePack(pack)) return [];
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const e of validatePack.errors ?? []) {
    if (e.keyword === 'if') continue;
    const text = `${label(pack, e.instancePath)} ${sentence(e)}`;
    if (!seen.has(text)) problems.push(text);
    seen.add(text);
  }
  return problems;
}
