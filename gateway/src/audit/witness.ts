import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { checkCheckpoint, cosignedBytes, type Checkpoint, type Cosignature } from './checkpoint-format';
import { keyIdOf, loadPrivateKey } from './keys';
import { verifyConsistency } from './merkle';
import { TrustedKeys } from './trust';

export class WitnessError extends Error {}

export interface WitnessOptions {
  /** The gateway's base URL, e.g. https://callgate.example.com */
  gateway: string;
  token: string;
  /** The witness's own Ed25519 private key (PEM). */
  keyFile: string;
  /** Where the last cosigned checkpoint (last.json) and every one cosigned (checkpoints/<size>.json) are kept. */
  stateDir: string;
  /** The gateway keys the witness pins. */
  trust: TrustedKeys;
}

export interface WitnessResult {
  size: number;
  root: string;
  previousSize: number | null;
  cosignature: Cosignature;
  posted: boolean;
  postProblem?: string;
  file: string;
}

async function getJson(o: WitnessOptions, url: string): Promise<any> {
  const res = await fetch(new URL(url, o.gateway), { headers: { authorization: `Bearer ${o.token}` } });
  const text = await res.text();
  if (!res.ok) throw new WitnessError(`GET ${url} answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

export function readCheckpointFile(file: string): Checkpoint {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Checkpoint;
}

/** Checkpoints from files or directories of them (a witness's state: last.json and checkpoints/). */
export function readCheckpoints(specs: string[]): Checkpoint[] {
  const files = specs.flatMap((spec) => {
    if (!fs.existsSync(spec)) throw new WitnessError(`no checkpoint file or folder ${spec}`);
    if (!fs.statSync(spec).isDirectory()) return [spec];
    const dir = fs.existsSync(path.join(spec, 'checkpoints')) ? path.join(spec, 'checkpoints') : spec;
    return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => path.join(dir, f));
  });
  const bySize = new Map<number, Checkpoint>();
  for (const file of files) {
    const cp = readCheckpointFile(file);
    bySize.set(cp.size, cp);
  }
  return [...bySize.values()].sort((a, b) => a.size - b.size);
}

function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/**
 * One round of an independent witness: fetch the gateway's newest checkpoint, check its signature
 * against the pinned gateway key, check that it extends the last checkpoint this witness cosigned
 * (RFC 9162 consistency proof; a smaller tree or another root at the same size is a rewrite and is
 * refused), cosign it (C2SP tlog-cosignature: "cosignature/v1\ntime <t>\n" + body), keep it, and
 * post the cosignature to the gateway. Whatever the gateway's operator does later, a checkpoint
 * kept here pins every record before it.
 */
export async function witnessOnce(o: WitnessOptions): Promise<WitnessResult> {
  const key = loadPrivateKey(o.keyFile);
  const publicKey = crypto.createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
  const keyId = keyIdOf(crypto.createPublicKey(key));
  const cp = (await getJson(o, '/v1/audit/checkpoints')) as Checkpoint;
  const check = checkCheckpoint(cp, o.trust.clone(), new TrustedKeys());
  if (!check.signedByGateway) throw new WitnessError(check.problem ?? `the checkpoint of size ${cp.size} is not signed by a pinned gateway key (signed by ${cp.keyId})`);
  fs.mkdirSync(path.join(o.stateDir, 'checkpoints'), { recursive: true, mode: 0o700 });
  const lastFile = path.join(o.stateDir, 'last.json');
  const last = fs.existsSync(lastFile) ? readCheckpointFile(lastFile) : null;
  if (last) await checkExtends(o, last, cp);
  const time = Math.floor(Date.now() / 1000);
  const cosignature: Cosignature = { keyId, publicKey, time, signature: crypto.sign(null, Buffer.from(cosignedBytes(cp.body, time)), key).toString('base64') };
  const kept: Checkpoint = { ...cp, note: undefined, cosignatures: [...(cp.cosignatures ?? []).filter((c) => c.keyId !== keyId), cosignature] };
  const file = path.join(o.stateDir, 'checkpoints', `${cp.size}.json`);
  writeAtomically(file, JSON.stringify(kept, null, 2) + '\n');
  writeAtomically(lastFile, JSON.stringify(kept, null, 2) + '\n');
  const result: WitnessResult = { size: cp.size, root: cp.root, previousSize: last?.size ?? null, cosignature, posted: false, file };
  const res = await fetch(new URL(`/v1/audit/checkpoints/${cp.size}/cosignatures`, o.gateway), {
    method: 'POST',
    headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(cosignature),
  }).catch((error: Error) => ({ ok: false, status: 0, text: async () => error.message }));
  result.posted = res.ok;
  if (!res.ok) result.postProblem = `the gateway did not take the cosignature (${res.status}): ${(await res.text()).slice(0, 300)}`;
  return result;
}

async function checkExtends(o: WitnessOptions, last: Checkpoint, cp: Checkpoint): Promise<void> {
  if (cp.size < last.size) throw new WitnessError(`the gateway's newest checkpoint has ${cp.size} records, fewer than the ${last.size} this witness cosigned: the log was cut back`);
  const heads = new Map(cp.inventory.map((h) => [h.chain, h.seq]));
  for (const h of last.inventory) {
    if ((heads.get(h.chain) ?? 0) < h.seq) throw new WitnessError(`chain ${h.chain} went back from record ${h.seq} to ${heads.get(h.chain) ?? 0}`);
  }
  const rootM = Buffer.from(last.root, 'hex');
  const rootN = Buffer.from(cp.root, 'hex');
  if (cp.size === last.size) {
    if (!rootM.equals(rootN)) throw new WitnessError(`the gateway's checkpoint of size ${cp.size} has another root than the one this witness cosigned: the log was rewritten`);
    return;
  }
  const { proof } = await getJson(o, `/v1/audit/proofs/consistency?from=${last.size}&to=${cp.size}`);
  const hashes = (proof as string[]).map((h) => Buffer.from(h, 'base64'));
  if (!verifyConsistency(last.size, cp.size, rootM, rootN, hashes)) {
    throw new WitnessError(`the checkpoint of size ${cp.size} does not extend the one of size ${last.size} this witness cosigned: the log was rewritten`);
  }
}
