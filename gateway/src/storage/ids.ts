import crypto from 'node:crypto';

/** Prefixed, time-ordered ids: a record's kind shows in logs, and ids sort by creation. */
export function newId(prefix: string): string {
  const time = Date.now().toString(36).padStart(9, '0');
  return `${prefix}_${time}${crypto.randomBytes(8).toString('hex')}`;
}
