import crypto from 'node:crypto';
import { sha256 } from './canonical';
import { verifySignature } from './keys';
import type { TrustedKeys } from './trust';

/**
 * A checkpoint in the form of transparency-dev's (C2SP tlog-checkpoint), a signed note:
 *
 *   <origin>\n<tree size>\n<base64 root>\ninventory <hex SHA-256 of the inventory text>\n
 *
 * is the body; the gateway signs the body's bytes with Ed25519, and a witness signs
 * "cosignature/v1\ntime <seconds>\n" + body (C2SP tlog-cosignature). The inventory text is one
 * line "<chain> <seq> <head hash>\n" per chain, sorted by chain: each chain's last record within
 * the tree. The JSON an auditor keeps carries the body's fields, the inventory, the signature and
 * the cosignatures; `note` is the same as a signed note with "— <name> <base64>" lines.
 */
export interface ChainHead {
  chain: string;
  seq: number;
  head: string;
}

export interface Cosignature {
  keyId: string;
  /** The witness's public key (PEM): trusted only if its fingerprint is pinned. */
  publicKey: string;
  /** Seconds since the epoch, as cosignature/v1 has it. */
  time: number;
  signature: string;
}

export interface Checkpoint {
  origin: string;
  size: number;
  /** Lower-case hex; the body has it in base64. */
  root: string;
  issuedAt: string;
  inventory: ChainHead[];
  body: string;
  keyId: string;
  /** The gateway's public key (PEM): trusted only if its fingerprint is pinned. */
  publicKey?: string;
  signature: string;
  cosignatures: Cosignature[];
  note?: string;
}

export const inventoryText = (inventory: ChainHead[]): string =>
  [...inventory]
    .sort((a, b) => (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : 0))
    .map((c) => `${c.chain} ${c.seq} ${c.head}\n`)
    .join('');

export function checkpointBody(origin: string, size: number, rootHex: string, inventory: ChainHead[]): string {
  return `${origin}\n${size}\n${Buffer.from(rootHex, 'hex').toString('base64')}\ninventory ${sha256(inventoryText(inventory))}\n`;
}

export const cosignedBytes = (body: string, time: number): string => `cosignature/v1\ntime ${time}\n${body}`;

/** The signed note's 4-byte key hash: SHA-256(name || 0x0A || 0x01 || public key)[:4] for Ed25519. */
function noteKeyHash(name: string, publicKeyPem: string): Buffer {
  const raw = crypto.createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' }).subarray(-32);
  return crypto.createHash('sha256').update(Buffer.concat([Buffer.from(`${name}\n`), Buffer.from([1]), raw])).digest().subarray(0, 4);
}

/** The checkpoint as a signed note, for tools that read transparency-dev notes. */
export function noteText(cp: Checkpoint): string {
  const lines = [cp.body, ''];
  if (cp.publicKey) lines.push(`— ${cp.origin} ${Buffer.concat([noteKeyHash(cp.origin, cp.publicKey), Buffer.from(cp.signature, 'base64')]).toString('base64')}`);
  for (const c of cp.cosignatures) {
    const time = Buffer.alloc(8);
    time.writeBigUInt64BE(BigInt(c.time));
    lines.push(`— witness-${c.keyId} ${Buffer.concat([noteKeyHash(`witness-${c.keyId}`, c.publicKey), time, Buffer.from(c.signature, 'base64')]).toString('base64')}`);
  }
  return lines.join('\n') + '\n';
}

export interface CheckpointCheck {
  ok: boolean;
  problem?: string;
  /** Pinned witnesses whose cosignature verifies: who vouches for this checkpoint, and when. */
  witnessedBy: { keyId: string; at: string }[];
  signedByGateway: boolean;
}

/**
 * Checks a checkpoint's own consistency and signatures: the body says what the fields say, the
 * inventory is the one hashed into it, the gateway's signature by a pinned key, the witnesses'
 * cosignatures by pinned witness keys. A checkpoint with no valid pinned signature at all is refused.
 */
export function checkCheckpoint(cp: Checkpoint, gateway: TrustedKeys, witnesses: TrustedKeys): CheckpointCheck {
  const refuse = (problem: string): CheckpointCheck => ({ ok: false, problem, witnessedBy: [], signedByGateway: false });
  if (!cp || typeof cp.body !== 'string' || !Number.isSafeInteger(cp.size) || !Array.isArray(cp.inventory)) return refuse('not a callgate checkpoint');
  if (checkpointBody(cp.origin, cp.size, cp.root, cp.inventory) !== cp.body) return refuse(`the checkpoint of size ${cp.size}: its body differs from its size, root or inventory`);
  if (cp.publicKey) gateway.offer([cp.publicKey]);
  const gatewayKey = gateway.keys().get(cp.keyId);
  const signedByGateway = gatewayKey !== undefined && verifySignature(gatewayKey, cp.body, cp.signature);
  const witnessedBy: CheckpointCheck['witnessedBy'] = [];
  for (const c of cp.cosignatures ?? []) {
    witnesses.offer([c.publicKey]);
    const key = witnesses.keys().get(c.keyId);
    if (key && verifySignature(key, cosignedBytes(cp.body, c.time), c.signature)) witnessedBy.push({ keyId: c.keyId, at: new Date(c.time * 1000).toISOString() });
  }
  if (!signedByGateway && witnessedBy.length === 0) {
    return refuse(`the checkpoint of size ${cp.size} has no valid signature by a pinned key (signed by ${cp.keyId}; pinned: ${[...gateway.fingerprints(), ...witnesses.fingerprints()].join(', ') || 'none'})`);
  }
  return { ok: true, witnessedBy, signedByGateway };
}

/** "records 1–N witnessed by K at T", or why not. */
export function witnessedText(size: number, check: CheckpointCheck): string {
  if (check.witnessedBy.length === 0) return `records 1–${size} signed by the gateway, not witnessed`;
  return `records 1–${size} witnessed by ${check.witnessedBy.map((w) => `${w.keyId} at ${w.at}`).join(', ')}`;
}
