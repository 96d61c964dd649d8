import type { GatewayContext } from '../api/context';
import { DecisionAdmission, type AllowedCallHook } from './admission';
import { BatchWriter } from './batch-writer';
import { ShakenSigning, type AttestationRow } from './identity/attestation';
import { PassportSigner } from './identity/passport';
import { IdentityVerifier, loadTrustedKeys } from './identity/verify';
import type { SipConfig } from './config';
import { DialerDirectory } from './dialers';
import { SignalledOutcomes } from './outcomes';
import { ProxyCore } from './proxy/proxy-core';
import type { ProxyLog } from './proxy/types';
import { realClock, type Clock } from './transaction/clock';
import { TcpTransport } from './transport/tcp';
import type { Transport } from './transport/types';
import { UdpTransport } from './transport/udp';

export interface SipService {
  proxy: ProxyCore;
  dialers: DialerDirectory;
  outcomes: SignalledOutcomes;
  attestations: BatchWriter<AttestationRow> | null;
  transports: Transport[];
  close(): Promise<void>;
}

/** Starts the SIP side of a gateway: the dialer allow-list, the proxy, and its listeners. */
export async function startSip(gate: GatewayContext, config: SipConfig, log: ProxyLog, options: { clock?: Clock; hook?: AllowedCallHook | null } = {}): Promise<SipService> {
  const dialers = new DialerDirectory(gate.db, config.dialerRefreshMs, (error) => log.warn({ err: error }, 'SIP dialer list not refreshed; keeping the last one'));
  await dialers.start();
  const outcomes = new SignalledOutcomes(gate.db, log);
  const attestations = config.stir ? new BatchWriter<AttestationRow>('call attestations', (rows) => recordAttestations(gate, rows), log) : null;
  const signing = config.stir && attestations ? new ShakenSigning(new PassportSigner(config.stir.privateKeyPem, config.stir.x5u), (row) => attestations.push(row)) : null;
  const verifier = config.verifyIdentity ? new IdentityVerifier(loadTrustedKeys(config.verifyIdentity.trustFile)) : null;
  const admission = new DecisionAdmission(gate.decisions, dialers, config, options.hook ?? signing, verifier);
  const proxy = new ProxyCore(config, admission, outcomes, options.clock ?? realClock, log);
  const transports: Transport[] = [];
  try {
    for (const address of config.listen) {
      const onMessage = (bytes: Buffer, peer: Parameters<ProxyCore['receive']>[1]) => proxy.receive(bytes, peer);
      const transport = address.proto === 'udp' ? await UdpTransport.listen(address.host, address.port, onMessage, config.recvBufferBytes) : await TcpTransport.listen(address.host, address.port, onMessage);
      proxy.attach(transport);
      transports.push(transport);
    }
  } catch (error) {
    for (const t of transports) await t.close();
    dialers.stop();
    await outcomes.close();
    await attestations?.close();
    throw error;
  }
  return {
    proxy,
    dialers,
    outcomes,
    attestations,
    transports,
    async close() {
      for (const t of transports) await t.close();
      dialers.stop();
      await outcomes.close();
      await attestations?.close();
    },
  };
}

async function recordAttestations(gate: GatewayContext, rows: AttestationRow[]): Promise<void> {
  await gate.db('call_attestations')
    .insert(rows.map((r) => ({ decision_id: r.decisionId, tenant_id: r.tenantId, attest: r.attest, orig_tn: r.origTn, dest_tn: r.destTn, origid: r.origId, signed_at: r.signedAt })))
    .onConflict('decision_id')
    .ignore();
}
