import { loadPacks } from '../../src/policy/loader';
import type { CompiledPolicy } from '../../src/policy/types';
import type { CallInput, ConsentFacts, Facts } from '../../src/engine/types';

export const CN = loadPacks().get('cn')!;

/** 2026-03-10 10:00 Beijing time, a Tuesday. */
export const BEIJING_MORNING = Date.parse('2026-03-10T02:00:00Z');

export const CALLEE = '+8613800138000'; // 北京 mobile
export const CALLER = '+862161234567'; // 上海 fixed line

export function call(overrides: Partial<CallInput> = {}): CallInput {
  return { tenantId: 't1', campaignId: 'c1', callee: CALLEE, caller: CALLER, ...overrides };
}

export function consentFacts(overrides: Partial<ConsentFacts> = {}): ConsentFacts {
  return {
    id: 'k1',
    tenantId: 't1',
    brandId: 'b1',
    purpose: 'insurance',
    modes: [],
    obtainedAt: BEIJING_MORNING - 86_400_000,
    expiresAt: BEIJING_MORNING + 365 * 86_400_000,
    revokedAt: null,
    ...overrides,
  };
}

/** Facts under which a call to CALLEE from CALLER by tenant t1 is lawful. */
export function goodFacts(overrides: Partial<Facts> = {}): Facts {
  return {
    tenant: { id: 't1', verificationStatus: 'verified' },
    campaign: { id: 'c1', tenantId: 't1', brandId: 'b1', purpose: 'insurance', dialingMode: 'agent', policyPack: 'cn', status: 'active', recordingRetentionDays: 30 },
    callerNumber: {
      id: 'n1',
      tenantId: 't1',
      e164: CALLER,
      verificationStatus: 'verified',
      status: 'active',
      lineType: 'fixed_line',
      realNameProof: true,
      region: '上海市',
      acceptsReturnCalls: true,
      acceptsOptOutRequests: true,
    },
    callerInCampaign: true,
    consents: [consentFacts()],
    optOuts: [],
    registries: [],
    calleeAttempts: [],
    callerWindows: [],
    ...overrides,
  };
}

/** A copy of a pack with one rule's params replaced, for testing edges of a rule. */
export function withParams(policy: CompiledPolicy, ruleId: string, params: object): CompiledPolicy {
  const rules = policy.pack.rules.map((r) => (r.id === ruleId ? { ...r, params: { ...r.params, ...params } } : r));
  return { ...policy, pack: { ...policy.pack, rules: rules as typeof policy.pack.rules } };
}
