import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatLine, parseLine, type ExportFormat, type ExportLine } from '../src/audit/export-format';
import { LineScanner } from '../src/audit/export-scan';

/** Payloads with every byte the writer escapes or quotes, non-ASCII text and four-byte characters. */
const PAYLOADS = ['{"a":"plain"}', '{"q":"say \\"hi\\"","b":"back\\\\slash","c":"a,b"}', 'raw "quotes", commas\tand tabs\u0000\u0001\u001f\u007f\b\f', '{"name":"张三","emoji":"😀","sep":"\u2028\u2029"}', 'null', '', null];

const lines = (): ExportLine[] => [
  ...PAYLOADS.map((payload, i): ExportLine => ({ kind: payload === null ? 'purged' : 'record', chain: 'inst/d0', fromSeq: i + 1, toSeq: i + 1, at: '2026-03-10T02:00:00.007Z', type: 'decision', hash: 'ab'.repeat(32), link: `cg1|inst/d0|${i + 1}|1|decision|t1||x"y,z|${'0'.repeat(64)}|${'1'.repeat(64)}`, payload })),
  { kind: 'omitted', chain: 'inst/d,"1', fromSeq: 9, toSeq: 20, at: null, type: null, hash: 'cd'.repeat(32), link: null, payload: null },
  { kind: 'pseudonymised', chain: 'inst/d0', fromSeq: 21, toSeq: 21, at: '2026-03-10T02:00:00.007Z', type: 'consent.given', hash: 'ef'.repeat(32), link: 'cg1|x', payload: '{"callee":"pn_00"}' },
];

describe('export line scanner', () => {
  for (const format of ['ndjson', 'csv'] as ExportFormat[]) {
    it(`reads every ${format} line the writer lays out exactly as the full parser does, payload as its UTF-8 bytes`, () => {
      const scanner = new LineScanner();
      for (const line of lines()) {
        if (format === 'csv' && line.payload === '') continue; // CSV writes an empty payload as no payload
        const text = formatLine(line, format);
        const scanned = scanner.scan(Buffer.from(text), format);
        assert.ok(scanned, `${format} line not scanned: ${text}`);
        const { payloadBytes, linkBytes, ...fields } = scanned;
        const parsed = parseLine(text, format);
        assert.deepEqual({ ...fields, payload: payloadBytes === null ? null : payloadBytes.toString('utf8') }, parsed);
        assert.deepEqual(payloadBytes, parsed.payload === null ? null : Buffer.from(parsed.payload));
        if (linkBytes !== null) assert.deepEqual(linkBytes, Buffer.from(parsed.link!));
      }
    });
  }

  it('leaves any other layout to the full parser', () => {
    const scanner = new LineScanner();
    const line = lines()[3];
    for (const text of [JSON.stringify(line, null, 1).replace(/\n/g, ''), JSON.stringify({ chain: line.chain, ...line }), '{"kind":"record"', JSON.stringify(line).replace('"fromSeq":4', '"fromSeq":"4"'), JSON.stringify(line).replace('张三', '\\u5f20\\u4e09')]) {
      assert.equal(scanner.scan(Buffer.from(text), 'ndjson'), null, text);
    }
    assert.equal(scanner.scan(Buffer.from('record,a,1'), 'csv'), null);
  });
});
