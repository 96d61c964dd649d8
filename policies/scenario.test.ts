import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { at, judge } from '../gateway/test/support/packs';

/**
 * One campaign of a call centre dialling six jurisdictions: the same call, at the same instant, to a
 * callee in each, is decided by that jurisdiction's rules, and a denial names the binding rule and
 * its citation. US callees in further states (CT, PA, KY) are held to their own state overlays.
 */
const CAMPAIGN_PACKS = ['us', 'uk', 'ca', 'au', 'cn'];
const CALLEES = {
  florida: '+13055551234',
  texas: '+15125550123',
  britain: '+442079460000',
  canada: '+14165550123',
  australia: '+61289876543',
  china: '+8613800138000',
  connecticut: '+18605550123',
  pennsylvania: '+12155550123',
  kentucky: '+15025550123',
} as const;

type Expected = Record<keyof typeof CALLEES, { allow: boolean; revision: RegExp; reasons: [string, string, string][] }>;

function decideAll(instant: number, options: { listed?: string[] } = {}) {
  return Object.fromEntries(
    Object.entries(CALLEES).map(([who, callee]) => {
      const { decision } = judge(callee, instant, { packs: CAMPAIGN_PACKS, listed: options.listed });
      return [who, { allow: decision.allow, revision: decision.policyRevision, reasons: decision.reasons.map((r) => [r.code, r.rule, r.citation]) }];
    }),
  );
}

function check(actual: ReturnType<typeof decideAll>, expected: Expected) {
  for (const [who, want] of Object.entries(expected)) {
    const got = actual[who];
    assert.equal(got.allow, want.allow, `${who} allow`);
    assert.match(got.revision, want.revision, `${who} judged by its own packs`);
    assert.deepEqual(got.reasons, want.reasons, `${who} reasons`);
  }
}

const US = /^us@.+&us-states@/;

describe('the same call to six jurisdictions', () => {
  it('Sunday 16:30 UTC: Texas waits for noon, Pennsylvania for Monday, Australia for Monday 09:00, China for 08:00 and consent, Connecticut for written consent', () => {
    check(decideAll(at('2026-03-15T16:30:00Z')), {
      florida: { allow: true, revision: US, reasons: [] },
      texas: { allow: false, revision: US, reasons: [['OUTSIDE_CALLING_HOURS', 'US-TX-HOURS', 'Tex. Bus. & Com. Code § 301.051']] },
      britain: { allow: true, revision: /^uk@/, reasons: [] },
      canada: { allow: true, revision: /^ca@/, reasons: [] },
      australia: { allow: false, revision: /^au@/, reasons: [['OUTSIDE_CALLING_HOURS', 'AU-HOURS', 'Telecommunications (Telemarketing and Research Calls) Industry Standard 2017']] },
      china: {
        allow: false,
        revision: /^cn@/,
        reasons: [
          ['NO_CONSENT', 'CN-CONSENT-OPT-IN', '消费者权益保护法实施条例 arts. 23–24'],
          ['OUTSIDE_CALLING_HOURS', 'CN-HOURS', '腾讯云联络中心 电话号码外呼规则 (根据运营商要求)'],
        ],
      },
      connecticut: { allow: false, revision: US, reasons: [['NO_CONSENT', 'US-CT-CONSENT', 'Conn. Gen. Stat. § 42-288a (SB 1058)']] },
      pennsylvania: { allow: false, revision: US, reasons: [['OUTSIDE_CALLING_HOURS', 'US-PA-SUNDAY', '73 P.S. § 2245.2']] },
      kentucky: { allow: true, revision: US, reasons: [] },
    });
  });

  it('Tuesday 00:30 UTC: Florida and Connecticut are past their 20:00 end while the federal rule, Texas, Pennsylvania and Kentucky still allow', () => {
    check(decideAll(at('2026-03-10T00:30:00Z')), {
      florida: { allow: false, revision: US, reasons: [['OUTSIDE_CALLING_HOURS', 'US-FL-HOURS', 'Florida Telephone Solicitation Act Fla. Stat. § 501.616']] },
      texas: { allow: true, revision: US, reasons: [] },
      britain: { allow: true, revision: /^uk@/, reasons: [] },
      canada: { allow: true, revision: /^ca@/, reasons: [] },
      australia: { allow: true, revision: /^au@/, reasons: [] },
      china: { allow: false, revision: /^cn@/, reasons: [['NO_CONSENT', 'CN-CONSENT-OPT-IN', '消费者权益保护法实施条例 arts. 23–24']] },
      connecticut: {
        allow: false,
        revision: US,
        reasons: [
          ['NO_CONSENT', 'US-CT-CONSENT', 'Conn. Gen. Stat. § 42-288a (SB 1058)'],
          ['OUTSIDE_CALLING_HOURS', 'US-CT-HOURS', 'Conn. Gen. Stat. § 42-288a (SB 1058)'],
        ],
      },
      pennsylvania: { allow: true, revision: US, reasons: [] },
      kentucky: { allow: true, revision: US, reasons: [] },
    });
  });

  it('every callee on their national registry: each denied by its own registry rule', () => {
    const listed = ['us-national-dnc', 'uk-tps', 'ca-dncl', 'au-dncr'];
    const result = decideAll(at('2026-03-10T00:30:00Z'), { listed });
    assert.deepEqual(result.texas.reasons, [['REGISTRY_LISTED', 'US-NATIONAL-DNC', '47 CFR § 64.1200(c)(2)']]);
    assert.deepEqual(result.kentucky.reasons, [['REGISTRY_LISTED', 'US-NATIONAL-DNC', '47 CFR § 64.1200(c)(2)']], 'Kentucky merged its list into the national one');
    const stateLists = decideAll(at('2026-03-10T00:30:00Z'), { listed: ['us-tx-nocall', 'us-pa-dnc'] });
    assert.deepEqual(stateLists.texas.reasons, [['REGISTRY_LISTED', 'US-TX-DNC', 'Tex. Bus. & Com. Code § 304.051 ff']]);
    assert.deepEqual(stateLists.pennsylvania.reasons, [['REGISTRY_LISTED', 'US-PA-DNC', '73 P.S. § 2245.2']]);
    assert.deepEqual(stateLists.kentucky.reasons, [], 'a Texas or Pennsylvania listing binds no other state');
    assert.deepEqual(result.britain.reasons, [['REGISTRY_LISTED', 'UK-TPS', 'Privacy and Electronic Communications Regulations 2003 reg 21(1)(b), (3), (4)']]);
    assert.deepEqual(result.canada.reasons, [['REGISTRY_LISTED', 'CA-DNCL', 'Unsolicited Telecommunications Rules Part II']]);
    assert.deepEqual(result.australia.reasons, [['REGISTRY_LISTED', 'AU-DNCR', 'Do Not Call Register Act 2006 s 11, Sch 2']]);
  });

  it('a country none of the campaign packs covers is denied NO_POLICY_FOR_DESTINATION', () => {
    const { codes } = judge('+33142685300', at('2026-03-10T12:00:00Z'), { packs: CAMPAIGN_PACKS });
    assert.ok(codes.includes('NO_POLICY_FOR_DESTINATION'));
  });
});

describe('the same call to the new country packs', () => {
  const PACKS_ABROAD = [...CAMPAIGN_PACKS, 'fr', 'it', 'sg', 'in', 'br'];
  const ABROAD = { france: '+33612345678', italy: '+393123456789', singapore: '+6591234567', india: '+919876543210', brazil: '+5511987654321' };

  it('Tuesday 12:30 UTC: France is in its lunch gap, India refuses an insurance call from an ordinary number, Italy, Singapore and Brazil allow', () => {
    const got = Object.fromEntries(
      Object.entries(ABROAD).map(([who, callee]) => {
        const { decision } = judge(callee, at('2026-03-10T12:30:00Z'), { packs: PACKS_ABROAD });
        return [who, { revision: decision.policyRevision.split('@')[0], reasons: decision.reasons.map((r) => [r.code, r.rule, r.citation]) }];
      }),
    );
    assert.deepEqual(got, {
      france: { revision: 'fr', reasons: [['OUTSIDE_CALLING_HOURS', 'FR-HOURS', 'Code de la consommation D.223-9 (décret 2022-1313)']] },
      italy: { revision: 'it', reasons: [] },
      singapore: { revision: 'sg', reasons: [] },
      india: { revision: 'in', reasons: [['CALLER_ID_SERIES', 'IN-NUMBER-SERIES', 'TCCCPR 2018 (Second Amendment) Regulations 2025']] },
      brazil: { revision: 'br', reasons: [] },
    });
  });

  it('every new callee on its national register: each denied by its own registry rule', () => {
    const listed = ['fr-bloctel', 'it-rpo', 'sg-dnc-voice', 'in-ncpr', 'br-nao-me-perturbe'];
    const rules = Object.fromEntries(Object.entries(ABROAD).map(([who, callee]) => [who, judge(callee, at('2026-03-10T10:30:00Z'), { packs: PACKS_ABROAD, listed }).rules]));
    assert.deepEqual(rules, { france: ['FR-BLOCTEL'], italy: ['IT-RPO'], singapore: ['SG-DNC-VOICE'], india: ['IN-NUMBER-SERIES', 'IN-NCPR'], brazil: ['BR-NAO-ME-PERTURBE'] });
  });
});
