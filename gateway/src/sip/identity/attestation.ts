import crypto from 'node:crypto';
import type { DecisionRecord } from '../../decisions/record';
import type { Facts } from '../../engine/types';
import type { TrailEvent } from '../../audit/events';
import type { AllowedCallHook, SignedCall } from '../admission';
import { canonicalTn, type Attestation, type PassportSigner } from './passport';

export interface AttestationRow {
  decisionId: string;
  tenantId: string;
  attest: Attestation;
  origTn: string;
  destTn: string;
  origId: string;
  signedAt: number;
}

/**
 * RFC 8588 attestation from what the decision saw: A when the verified tenant provably holds the
 * display number it presents, B when the tenant is verified but its right to the number is not
 * proven, C otherwise.
 */
export function attestationFor(record: DecisionRecord): Attestation {
  const facts = (record.input as { facts?: Facts } | null)?.facts;
  if (!facts || facts.tenant.verificationStatus !== 'verified') return 'C';
  const number = facts.callerNumber;
  const owned = number !== null && number.tenantId === record.call.tenantId && number.verificationStatus === 'verified' && number.status === 'active';
  return owned ? 'A' : 'B';
}

/** The row call_attestations keeps for a signed call. */
export function attestationRow(r: AttestationRow) {
  return { decision_id: r.decisionId, tenant_id: r.tenantId, attest: r.attest, orig_tn: r.origTn, dest_tn: r.destTn, origid: r.origId, signed_at: r.signedAt };
}

/**
 * Signs every allowed call that presents a number. The attestation is written with the decision,
 * in its transaction and on the trail, so no signed call goes out unrecorded.
 */
export class ShakenSigning implements AllowedCallHook {
  constructor(private readonly signer: PassportSigner) {}

  sign(decision: DecisionRecord): SignedCall {
    const caller = decision.call.caller;
    if (!caller) return { headers: [], record: null };
    const attest = attestationFor(decision);
    const origId = crypto.randomUUID();
    const iat = Math.floor(Date.now() / 1000);
    const row: AttestationRow = { decisionId: decision.id, tenantId: decision.call.tenantId, attest, origTn: canonicalTn(caller), destTn: canonicalTn(decision.call.callee), origId, signedAt: iat * 1000 };
    const headers: [string, string][] = [['Identity', this.signer.identityHeader({ attest, dest: { tn: [row.destTn] }, iat, orig: { tn: row.origTn }, origid: origId })]];
    const stored = attestationRow(row);
    const event: TrailEvent = { type: 'call.attested', at: row.signedAt, tenantId: row.tenantId, campaignId: decision.call.campaignId, callee: decision.call.callee, subjectId: decision.id, payload: { attestation: stored } };
    return { headers, record: { table: 'call_attestations', row: stored, event } };
  }
}
