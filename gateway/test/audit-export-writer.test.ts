import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { StoredRow } from '../src/audit/chain-scan';
import { CSV_HEADER, formatLine, parseLine, type ExportFormat } from '../src/audit/export-format';
import { ExportWriter } from '../src/audit/export-writer';
import { iso } from '../src/iso';

/** Payloads with every byte the writer escapes or quotes, non-ASCII text and four-byte characters. */
const PAYLOADS = [
  '{"a":"plain"}',
  '{"q":"say \\"hi\\"","b":"back\\\\slash","c":"a,b"}',
  'raw "quotes", commas\r\nand\ttabs\u0000\u0001\u001f\u007f\b\f',
  '{"name":"张三","emoji":"😀","sep":"\u2028\u2029","esc":"é"}',
  'null',
  '',
];

function rowFor(payload: string | null, seq: number): StoredRow {
  return {
    chain_id: 'inst/d0',
    seq,
    at: Date.parse('2026-03-10T02:00:00.000Z') + seq * 7 + (seq % 2 ? 1000 : 0),
    type: 'decision',
    tenant_id: 't1',
    campaign_id: null,
    callee_tag: 'abc',
    payload: payload === null ? null : Buffer.from(payload, 'utf8'),
    payload_hash: '0'.repeat(64),
    hash: crypto.createHash('sha256').update(String(seq)).digest('hex'),
  };
}

describe('export writer', () => {
  for (const format of ['ndjson', 'csv'] as ExportFormat[]) {
    it(`writes every ${format} line byte for byte as formatLine does, and the file hash of those bytes`, () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'export-writer-'));
      const file = path.join(dir, `x.${format}`);
      const writer = new ExportWriter(file, format);
      const expected: string[] = format === 'csv' ? [CSV_HEADER] : [];
      const all = [...PAYLOADS, null];
      all.forEach((payload, i) => {
        const row = rowFor(payload, i + 1);
        const link = `cg1|inst/d0|${i + 1}|${row.at}|decision|t1||abc|${row.payload_hash}|x"y,z`;
        writer.storedRecord(row, link);
        const line = { kind: payload === null ? 'purged' : 'record', chain: row.chain_id, fromSeq: i + 1, toSeq: i + 1, at: iso(row.at), type: row.type, hash: row.hash, link, payload } as const;
        expected.push(formatLine(line, format));
        if (format === 'ndjson' || payload === null || !/[\r\n]/.test(payload)) assert.deepEqual(parseLine(expected[expected.length - 1], format).payload, payload === '' && format === 'csv' ? null : payload);
      });
      const sha = writer.close();
      const written = fs.readFileSync(file);
      assert.equal(written.toString('utf8'), expected.join('\n') + '\n');
      assert.equal(writer.lines, expected.length);
      assert.equal(writer.bytes, written.length);
      assert.equal(sha, crypto.createHash('sha256').update(written).digest('hex'));
      fs.rmSync(dir, { recursive: true, force: true });
    });
  }
});
