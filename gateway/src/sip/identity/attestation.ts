import crypto from 'node:crypto';
import type { DecisionRecord } from '../../decisions/record';
import type { Facts } from '../../engine/types';
import type { AllowedCallHook } from '../admission';
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

/** Signs every allowed call that presents a number, and hands the attestation to be recorded. */
export class ShakenSigning implements AllowedCallHook {
  constructor(
    private readonly signer: PassportSigner,
    private readonly record: (row: AttestationRow) => void,
  ) {}

  headersFor(decision: DecisionRecord): [string, string][] {
    const caller = decision.call.caller;
    if (!caller) return [];
    const attest = attestationFor(decision);
    const origId = crypto.randomUUID();
    const iat = Math.floor(Date.now() / 1000);
    const row: AttestationRow = { decisionId: decision.id, tenantId: decision.call.tenantId, attest, origTn: canonicalTn(caller), destTn: canonicalTn(decision.call.callee), origId, signedAt: iat * 1000 };
    this.record(row);
    return [['Identity', this.signer.identityHeader({ attest, dest: { tn: [row.destTn] }, iat, orig: { tn: row.origTn }, origid: origId })]];
  }
}
