import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { GatewayContext } from '../api/context';
import { recordSuperseded } from '../decisions/superseded';
import { DecisionAdmission, type AllowedCallHook } from './admission';
import { SipAccountDirectory } from './auth/accounts';
import type { SipConfig } from './config';
import { DialerDirectory } from './dialers';
import { ShakenSigning } from './identity/attestation';
import { PassportSigner } from './identity/passport';
import { IdentityVerifier, loadTrustedKeys } from './identity/verify';
import type { SipMessage } from './message/message';
import { parseMessage } from './message/parse';
import { SignalledOutcomes } from './outcomes';
import type { ProxyStats } from './proxy/proxy-core';
import type { ProxyLog } from './proxy/types';
import type { FromWorker, ToWorker } from './worker-protocol';

export interface SipService {
  dialers: DialerDirectory;
  /** Reloaded with the dialers; tests reload it at once after a change. */
  accounts: SipAccountDirectory;
  outcomes: SignalledOutcomes;
  listening: { proto: string; host: string; port: number }[];
  /** The proxy's counters: what it received, answered, refused and dropped. */
  stats(): Promise<ProxyStats>;
  close(): Promise<void>;
}

/**
 * The SIP thread's entry: compiled JavaScript in service, the TypeScript source under tsx (tests,
 * bench), where the worker has to register tsx itself.
 */
function startWorker(config: SipConfig, sources: string[]): Worker {
  const entry = path.join(__dirname, `worker${path.extname(__filename)}`);
  if (entry.endsWith('.js')) return new Worker(entry, { workerData: { config, sources } });
  const code = `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register(); require(${JSON.stringify(entry)});`;
  return new Worker(code, { eval: true, workerData: { config, sources } });
}

/**
 * Starts the SIP side of a gateway: the dialer allow-list and the decision bridge here, the proxy
 * and its listeners in their own thread.
 */
export async function startSip(gate: GatewayContext, config: SipConfig, log: ProxyLog, options: { hook?: AllowedCallHook | null } = {}): Promise<SipService> {
  const accounts = new SipAccountDirectory(gate.db);
  const dialers = new DialerDirectory(gate.db, config.dialerRefreshMs, (error) => log.warn({ err: error }, 'SIP dialer list not refreshed; keeping the last one'), accounts);
  await dialers.start();
  const outcomes = new SignalledOutcomes(gate.db, log);
  const signing = config.stir ? new ShakenSigning(new PassportSigner(config.stir.privateKeyPem, config.stir.x5u)) : null;
  const verifier = config.verifyIdentity ? new IdentityVerifier(loadTrustedKeys(config.verifyIdentity.trustFile), Date.now, config.verifyIdentity.minimumAttestation) : null;
  const admission = new DecisionAdmission(gate.decisions, dialers, config, options.hook ?? signing, verifier, accounts);

  const worker = startWorker(config, dialers.sources());
  const send = (message: ToWorker) => worker.postMessage(message);
  const statsWaiters: ((stats: ProxyStats) => void)[] = [];
  const stats = () =>
    new Promise<ProxyStats>((resolve) => {
      statsWaiters.push(resolve);
      send({ type: 'stats' });
    });
  dialers.onReload = (sources) => send({ type: 'sources', sources });
  let closing = false;
  const ready = new Promise<FromWorker & { type: 'ready' }>((resolve, reject) => {
    worker.on('message', (message: FromWorker) => {
      switch (message.type) {
        case 'ready':
          return resolve(message);
        case 'failed':
          return reject(new Error(`SIP listeners could not start: ${message.message}`));
        case 'admit': {
          // The SIP thread parsed these bytes already; should they not parse again, the call fails
          // closed instead of an exception escaping into the main thread.
          let invite: SipMessage;
          try {
            invite = parseMessage(Buffer.from(message.bytes));
          } catch (error) {
            return send({ type: 'verdict', id: message.id, verdict: null, error: (error as Error).message });
          }
          admission.admit(invite, message.source).then(
            (verdict) => send({ type: 'verdict', id: message.id, verdict, error: null }),
            (error: Error) => send({ type: 'verdict', id: message.id, verdict: null, error: error.message }),
          );
          return;
        }
        case 'final':
          return outcomes.onFinal(message.call, message.status, message.cancelled, message.signals);
        case 'bye':
          return outcomes.onBye(message.callId, message.signals);
        case 'unplaced':
          recordSuperseded(gate.db, { decisionId: message.decisionId, tenantId: message.tenantId, reason: message.reason, recordedBy: 'sip' }).catch((error) =>
            log.error({ err: error, decisionId: message.decisionId }, 'an allowed call that was not placed could not be recorded as such'),
          );
          return;
        case 'log':
          return log[message.level](message.obj, message.msg);
        case 'stats':
          for (const waiter of statsWaiters.splice(0)) waiter(message.stats);
          return;
        case 'closed':
          return;
      }
    });
    worker.on('error', (error) => {
      log.error({ err: error }, 'the SIP thread failed');
      reject(error);
    });
    worker.on('exit', (code) => {
      if (!closing) log.error({ code }, 'the SIP thread stopped: no SIP calls are taken');
      reject(new Error(`the SIP thread exited with code ${code}`));
    });
  });

  const stopAll = async () => {
    closing = true;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    send({ type: 'close' });
    const timeout = setTimeout(() => void worker.terminate(), 3000);
    await exited;
    clearTimeout(timeout);
    dialers.stop();
    await outcomes.close();
  };

  let listening;
  try {
    listening = (await ready).listening;
  } catch (error) {
    await stopAll();
    throw error;
  }
  return { dialers, accounts, outcomes, listening, stats, close: stopAll };
}
