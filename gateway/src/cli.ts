#!/usr/bin/env node
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { revokeToken } from './auth/revocations';
import { issueToken, JTI_PATTERN, loadSigningSecret, ROLES, type Role } from './auth/tokens';
import { ConfigError, loadConfig, type Config } from './config';
import { isValidUscc } from './domain/uscc';
import { DIALING_MODES, type DialingMode } from './engine/types';
import { numberInfo } from './numbers/phone';
import { PolicyError } from './policy/loader';
import { logAction, type Actor } from './storage/admin-log';
import { connect, migrate, type Db } from './storage/db';
import { createBrand, createCallerNumber, createCampaign, createTenant, setTenantVerification, updateCallerNumber } from './storage/entities';
import { createBan, listBans, revokeBan } from './storage/bans';
import { addTenantGroupMember, createTenantGroup, listTenantGroups } from './storage/tenant-groups';
import { createRegistration } from './storage/registrations';
import { importRegistry, type ImportProgress } from './storage/registry';
import { isCalendarDate } from './reassigned/format';
import { importReassigned } from './reassigned/import';
import { REGISTRY_FORMATS, type RegistryFormat } from './registries/parse';
import { addSipDialer, listSipDialers, removeSipDialer } from './storage/sip-dialers';
import { createSipAccount, listSipAccounts, revokeSipAccount, rotateSipAccount } from './storage/sip-accounts';
import { serve } from './serve';
import { createUser, type UserRole } from '../../admin/api/users';
import { runAuditCommand } from './audit/cli';
import { ABUSE_USAGE, runAbuseCommand } from './abuse/cli';
import { openAudit, type Audit } from './audit/open';

/** The audit commands live beside the trail; they get the same parsing and database handling. */
function runAudit(command: string, config: Config, o: Options): Promise<void> {
  return runAuditCommand(command, config, o as Record<string, unknown>, { withDb, print, usage: (m) => new UsageError(m), operator: () => operator(o) });
}

const USAGE = `callgate — compliance gateway for outbound calls

Usage: callgate <command> [options]     (configuration from the environment: see README)

  serve                                   run the gateway (migrates first)
  migrate                                 apply database migrations
  tenant create --name N --country CC [--uscc 统一社会信用代码]
  tenant verify --id T --by WHO [--evidence JSON] [--status verified|rejected|revoked]
  brand create --tenant T --name N
  number add --tenant T --e164 +86… --proof JSON [--line-type T] [--region R] [--real-name-proof JSON]
  number verify --id N --by WHO [--status verified|rejected|revoked]
  campaign create --tenant T --brand B --name N --purpose P --mode agent|predictive|prerecorded|ai_voice
                  [--pack cn | --pack us,uk,ca] [--numbers id1,id2]
  token mint --role dialer|compliance|auditor|admin [--tenant T] --subject WHO [--ttl seconds]
                                          prints the token and its id (jti); ttl at most TOKEN_MAX_SECONDS_<ROLE>
  token revoke --jti ID [--by WHO]        refuse that token on every instance from now on
  registry import --list ID --name N --date YYYY-MM-DD --file PATH [--country CC] [--calling-code 86]
                  [--format auto|plain|csv]    csv: number,registration date a line (see README)
  reassigned import --as-of YYYY-MM-DD --file PATH [--coverage-from YYYY-MM-DD]
                  FCC Reassigned Numbers Database disconnect data, lines of number,disconnect_date
  user create --username U --role compliance|auditor|admin [--tenant T] [--name "Full Name"]
                  an admin UI account; the password is read from standard input (first line)
  tenant register --id T --region US-TX --authority "Texas Secretary of State" --reference REF
                  --from YYYY-MM-DD --to YYYY-MM-DD --by WHO
  ban add --region US-LA --from YYYY-MM-DD --to YYYY-MM-DD --reason TEXT --by WHO
  ban list
  ban revoke --id BAN --by WHO
  group create --name N --evidence JSON --by WHO
                                          a group of affiliates under common control
  group add --id G --tenant T --evidence JSON --by WHO
                                          where a pack says so, refusals given to one member bind the others
  group list
  audit export [--from ISO] [--to ISO] [--tenant T] [--callee +86…] [--campaign C] [--types t1,t2]
               [--format ndjson|csv] [--pseudonymise] [--by WHO]
                                          write an export and its signed manifest under DATA_DIR/exports
  audit verify --file F --manifest M --trust FINGERPRINT|PEM… [--checkpoint C…] [--witness-key W…]
                                          check an export against its manifest, offline, and that it
                                          extends the checkpoints kept (files or a witness's state folder)
  audit verify --checkpoint C… [--trust T…] [--witness-key W…]
                                          check the database extends the checkpoints kept; exit 1 if not
  audit verify-db [--trust T…] [--witness-key W…]
                                          verify every chain, seal and stored checkpoint in the database,
                                          and the engine's tables against the trail
  audit seal                              seal the chain heads and checkpoint the trail now
  audit checkpoint                        sequence new records and sign a checkpoint now
  audit witness --gateway URL --token T --key WITNESS.pem --state DIR --trust FINGERPRINT|PEM…
                [--once] [--interval SECONDS]
                                          cosign the gateway's checkpoints after checking each extends
                                          the last one cosigned
  audit purge                             remove content past AUDIT_RETENTION_DAYS now, keeping hashes
  audit public-key                        print the public key that signs checkpoints, seals and manifests
  sip-dialer add --tenant T --source IP|CIDR [--campaign C] [--description D]
                                          INVITEs from this address are decided as tenant T's calls
  sip-dialer list [--tenant T]
  sip-dialer remove --id D
  sip-account create --tenant T --username U [--campaign C] [--source IP|CIDR[,…]]
                  [--cert-fingerprint SHA256] [--cert-subject CN] [--description D]
                                          a digest account (realm SIP_AUTH_REALM); prints its password once
  sip-account list [--tenant T]
  sip-account rotate --id A              a new password, printed once; the old one stops working
  sip-account revoke --id A
${ABUSE_USAGE}`;

class UsageError extends Error {}

const OPTIONS = {
  name: { type: 'string' },
  country: { type: 'string' },
  uscc: { type: 'string' },
  id: { type: 'string' },
  by: { type: 'string' },
  evidence: { type: 'string' },
  status: { type: 'string' },
  tenant: { type: 'string' },
  e164: { type: 'string' },
  proof: { type: 'string' },
  'line-type': { type: 'string' },
  region: { type: 'string' },
  'real-name-proof': { type: 'string' },
  brand: { type: 'string' },
  purpose: { type: 'string' },
  mode: { type: 'string' },
  pack: { type: 'string' },
  numbers: { type: 'string' },
  role: { type: 'string' },
  subject: { type: 'string' },
  ttl: { type: 'string' },
  list: { type: 'string' },
  date: { type: 'string' },
  file: { type: 'string' },
  'calling-code': { type: 'string' },
  'as-of': { type: 'string' },
  'coverage-from': { type: 'string' },
  username: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  authority: { type: 'string' },
  reference: { type: 'string' },
  reason: { type: 'string' },
  callee: { type: 'string' },
  campaign: { type: 'string' },
  types: { type: 'string' },
  format: { type: 'string' },
  pseudonymise: { type: 'boolean' },
  manifest: { type: 'string' },
  'public-key': { type: 'string', multiple: true },
  trust: { type: 'string', multiple: true },
  checkpoint: { type: 'string', multiple: true },
  'witness-key': { type: 'string', multiple: true },
  gateway: { type: 'string' },
  token: { type: 'string' },
  key: { type: 'string' },
  state: { type: 'string' },
  once: { type: 'boolean' },
  interval: { type: 'string' },
  source: { type: 'string' },
  description: { type: 'string' },
  jti: { type: 'string' },
  'cert-fingerprint': { type: 'string' },
  'cert-subject': { type: 'string' },
  'time-zone': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Options = Partial<Record<keyof typeof OPTIONS, string>>;

function need(options: Options, name: keyof typeof OPTIONS): string {
  const value = options[name];
  if (!value) throw new UsageError(`--${name} is required`);
  return value;
}

function json(options: Options, name: keyof typeof OPTIONS): unknown {
  const raw = options[name];
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw new UsageError(`--${name} must be JSON, e.g. '{"certificate":"…"}'`);
  }
}

function reportImportProgress(p: ImportProgress): void {
  const of = p.total === undefined ? '' : ` of ${p.total}`;
  process.stderr.write(`\r${p.phase}: ${p.count}${of} ${p.phase === 'reading' ? 'lines' : 'numbers'}      `);
}

const print = (value: unknown): void => {
  process.stdout.write(JSON.stringify(value, null, 2) + "\n");
};

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError('the password is read from standard input, not typed as an option');
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text;
}

async function withDb<T>(config: Config, work: (db: Db, audit: Audit) => Promise<T>): Promise<T> {
  const db = connect(config);
  try {
    await migrate(db);
    // Commands append to one chain per host (head locks serialise concurrent commands), not one per process.
    const instanceId = process.env.INSTANCE_ID || `cli-${os.hostname()}`;
    return await work(db, await openAudit(db, { ...config, instanceId }));
  } finally {
    await db.destroy();
  }
}

/** The operator at the shell is logged as an admin action like any other. */
function operator(options: Options): Actor {
  return { subject: options.by ?? `cli:${process.env.USER ?? 'operator'}`, role: 'admin', tenantId: null };
}

async function run(command: string, config: Config, o: Options): Promise<void> {
  switch (command) {
    case 'serve':
      return serve(config);
    case 'migrate':
      return withDb(config, async () => print({ migrated: true }));
    case 'tenant create':
      return withDb(config, async (db) => {
        const uscc = o.uscc ?? null;
        if (uscc && !isValidUscc(uscc)) throw new UsageError(`${uscc} is not a valid 统一社会信用代码`);
        if (need(o, 'country') === 'CN' && !uscc) throw new UsageError('a Chinese enterprise needs --uscc');
        const tenant = await createTenant(db, { legalName: need(o, 'name'), uscc, country: need(o, 'country') });
        await logAction(db, operator(o), 'cli tenant create', tenant.id, { legalName: tenant.legalName }, tenant.id);
        print(tenant);
      });
    case 'tenant verify':
      return withDb(config, async (db) => {
        const status = (o.status ?? 'verified') as 'verified';
        const tenant = await setTenantVerification(db, need(o, 'id'), status, json(o, 'evidence') ?? { checkedBy: need(o, 'by') }, need(o, 'by'));
        await logAction(db, operator(o), 'cli tenant verify', tenant.id, { status }, tenant.id);
        print(tenant);
      });
    case 'brand create':
      return withDb(config, async (db) => {
        const brand = await createBrand(db, need(o, 'tenant'), need(o, 'name'));
        await logAction(db, operator(o), 'cli brand create', brand.id, { name: brand.name }, brand.tenantId);
        print(brand);
      });
    case 'number add':
      return withDb(config, async (db) => {
        const info = numberInfo(need(o, 'e164'));
        if (!info?.valid) throw new UsageError(`${o.e164} is not a valid, allocated E.164 number`);
        const number = await createCallerNumber(db, need(o, 'tenant'), {
          e164: info.e164,
          lineType: o['line-type'] ?? info.lineType,
          region: o.region ?? info.region,
          proofOfRight: json(o, 'proof') ?? (() => { throw new UsageError('--proof is required'); })(),
          realNameProof: json(o, 'real-name-proof') ?? null,
        });
        await logAction(db, operator(o), 'cli number add', number.id, { e164: number.e164 }, number.tenantId);
        print(number);
      });
    case 'number verify':
      return withDb(config, async (db) => {
        const status = (o.status ?? 'verified') as 'verified';
        const number = await updateCallerNumber(db, need(o, 'id'), null, { verificationStatus: status, verifiedBy: need(o, 'by') });
        await logAction(db, operator(o), 'cli number verify', number.id, { status }, number.tenantId);
        print(number);
      });
    case 'campaign create':
      return withDb(config, async (db) => {
        const mode = need(o, 'mode') as DialingMode;
        if (!DIALING_MODES.includes(mode)) throw new UsageError(`--mode must be one of ${DIALING_MODES.join(', ')}`);
        const campaign = await createCampaign(db, need(o, 'tenant'), {
          brandId: need(o, 'brand'),
          name: need(o, 'name'),
          purpose: need(o, 'purpose'),
          policyPacks: (o.pack ?? 'cn').split(',').map((s) => s.trim()).filter(Boolean),
          dialingMode: mode,
          callerNumberIds: o.numbers ? o.numbers.split(',').map((s) => s.trim()).filter(Boolean) : [],
        });
        await logAction(db, operator(o), 'cli campaign create', campaign.id, { name: campaign.name }, campaign.tenantId);
        print(campaign);
      });
    case 'token mint': {
      const role = need(o, 'role') as Role;
      if (!ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
      const ttl = Number(o.ttl ?? 86400);
      if (!Number.isInteger(ttl) || ttl <= 0) throw new UsageError('--ttl must be a positive number of seconds');
      const max = config.doors.maxTokenSeconds[role];
      if (ttl > max) throw new UsageError(`--ttl may be at most ${max} s for a ${role} token (TOKEN_MAX_SECONDS_${role.toUpperCase()}): gateways refuse longer-lived ones`);
      const secret = loadSigningSecret(config.jwtSecret, config.dataDir);
      const { token, jti, expiresAt } = issueToken(secret, { role, tenantId: o.tenant ?? null, subject: need(o, 'subject') }, ttl);
      return print({ token, jti, role, tenantId: o.tenant ?? null, expiresAt: expiresAt.toISOString() });
    }
    case 'token revoke':
      return withDb(config, async (db) => {
        const jti = need(o, 'jti');
        if (!new RegExp(JTI_PATTERN).test(jti)) throw new UsageError('--jti must be the token id that `token mint` printed');
        const revocation = await revokeToken(db, jti, operator(o).subject);
        await logAction(db, operator(o), 'cli token revoke', jti, { newlyRevoked: revocation.newlyRevoked }, null);
        print(revocation);
      });
    case 'registry import':
      return withDb(config, async (db) => {
        const listDate = Date.parse(`${need(o, 'date')}T00:00:00Z`);
        if (Number.isNaN(listDate)) throw new UsageError('--date must be the registry date, YYYY-MM-DD');
        const file = need(o, 'file');
        if (!fs.existsSync(file)) throw new UsageError(`no file ${file}`);
        const format = (o.format ?? 'auto') as RegistryFormat;
        if (!REGISTRY_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${REGISTRY_FORMATS.join(', ')}`);
        const result = await importRegistry(
          db,
          { listId: need(o, 'list'), name: need(o, 'name'), country: o.country ?? null, listDate },
          fs.createReadStream(file),
          { defaultCallingCode: o['calling-code'] ?? null, format, onProgress: reportImportProgress },
        );
        process.stderr.write('\n');
        await logAction(db, operator(o), 'cli registry import', result.listId, result, null);
        print(result);
      });
    case 'reassigned import':
      return withDb(config, async (db) => {
        const asOf = need(o, 'as-of');
        const coverageFrom = o['coverage-from'] ?? null;
        for (const d of [asOf, coverageFrom]) if (d !== null && !isCalendarDate(d)) throw new UsageError(`${d} is not a calendar date YYYY-MM-DD`);
        const file = need(o, 'file');
        if (!fs.existsSync(file)) throw new UsageError(`no file ${file}`);
        const result = await importReassigned(db, { asOf, coverageFrom }, fs.createReadStream(file));
        await logAction(db, operator(o), 'cli reassigned import', 'fcc-rnd', result, null);
        print(result);
      });
    case 'user create':
      return withDb(config, async (db) => {
        const password = (await readStdin()).split(/\r?\n/)[0];
        if (!password) throw new UsageError('give the password on standard input, e.g. `read -rs PW; printf %s "$PW" | callgate user create …`');
        const user = await createUser(db, { username: need(o, 'username'), displayName: o.name, role: need(o, 'role') as UserRole, tenantId: o.tenant ?? null, password }, operator(o).subject);
        await logAction(db, operator(o), 'cli user create', user.id, { username: user.username, role: user.role }, user.tenantId);
        print(user);
      });
    case 'tenant register':
      return withDb(config, async (db) => {
        const registration = await createRegistration(db, need(o, 'id'), {
          region: need(o, 'region'),
          authority: need(o, 'authority'),
          reference: need(o, 'reference'),
          validFrom: need(o, 'from'),
          validUntil: need(o, 'to'),
          createdBy: need(o, 'by'),
        });
        await logAction(db, operator(o), 'cli tenant register', registration.id, registration, registration.tenantId);
        print(registration);
      });
    case 'ban add':
      return withDb(config, async (db) => {
        const ban = await createBan(db, { region: need(o, 'region'), startsOn: need(o, 'from'), endsOn: need(o, 'to'), reason: need(o, 'reason'), createdBy: need(o, 'by') });
        await logAction(db, operator(o), 'cli ban add', ban.id, ban, null);
        print(ban);
      });
    case 'ban list':
      return withDb(config, async (db) => print(await listBans(db)));
    case 'ban revoke':
      return withDb(config, async (db) => {
        const ban = await revokeBan(db, need(o, 'id'));
        await logAction(db, operator(o), 'cli ban revoke', ban.id, { region: ban.region }, null);
        print(ban);
      });
    case 'group create':
      return withDb(config, async (db) => {
        const group = await createTenantGroup(db, { name: need(o, 'name'), evidence: (need(o, 'evidence'), json(o, 'evidence')) }, need(o, 'by'));
        await logAction(db, operator(o), 'cli group create', group.id, { name: group.name }, null);
        print(group);
      });
    case 'group add':
      return withDb(config, async (db) => {
        const group = await addTenantGroupMember(db, need(o, 'id'), { tenantId: need(o, 'tenant'), evidence: (need(o, 'evidence'), json(o, 'evidence')) }, need(o, 'by'));
        await logAction(db, operator(o), 'cli group add', group.id, { tenantId: o.tenant }, o.tenant ?? null);
        print(group);
      });
    case 'group list':
      return withDb(config, async (db) => print(await listTenantGroups(db)));
    case 'sip-dialer add':
      return withDb(config, async (db) => {
        const dialer = await addSipDialer(db, { tenantId: need(o, 'tenant'), source: need(o, 'source'), defaultCampaignId: o.campaign ?? null, description: o.description ?? null }, operator(o).subject);
        await logAction(db, operator(o), 'cli sip-dialer add', dialer.id, { source: dialer.source }, dialer.tenantId);
        print(dialer);
      });
    case 'sip-dialer list':
      return withDb(config, async (db) => print(await listSipDialers(db, o.tenant ?? null)));
    case 'sip-dialer remove':
      return withDb(config, async (db) => {
        const dialer = await removeSipDialer(db, need(o, 'id'));
        await logAction(db, operator(o), 'cli sip-dialer remove', dialer.id, { source: dialer.source }, dialer.tenantId);
        print(dialer);
      });
    case 'sip-account create':
      return withDb(config, async (db) => {
        const input = {
          tenantId: need(o, 'tenant'),
          username: need(o, 'username'),
          realm: config.sip?.auth.realm ?? (process.env.SIP_AUTH_REALM || 'callgate'),
          defaultCampaignId: o.campaign ?? null,
          sources: o.source ? o.source.split(',').map((s) => s.trim()) : null,
          certFingerprint: o['cert-fingerprint'] ?? null,
          certSubject: o['cert-subject'] ?? null,
          description: o.description ?? null,
        };
        const created = await createSipAccount(db, input, operator(o).subject);
        await logAction(db, operator(o), 'cli sip-account create', created.account.id, { username: created.account.username }, created.account.tenantId);
        print(created);
      });
    case 'sip-account list':
      return withDb(config, async (db) => print(await listSipAccounts(db, o.tenant ?? null)));
    case 'sip-account rotate':
      return withDb(config, async (db) => {
        const rotated = await rotateSipAccount(db, need(o, 'id'));
        await logAction(db, operator(o), 'cli sip-account rotate', rotated.account.id, { username: rotated.account.username }, rotated.account.tenantId);
        print(rotated);
      });
    case 'sip-account revoke':
      return withDb(config, async (db) => {
        const account = await revokeSipAccount(db, need(o, 'id'));
        await logAction(db, operator(o), 'cli sip-account revoke', account.id, { username: account.username }, account.tenantId);
        print(account);
      });
    default:
      if (command.startsWith('audit ')) return runAudit(command, config, o);
      if (command.startsWith('complaint ') || command.startsWith('abuse ')) {
        return runAbuseCommand(command, config, o as Record<string, unknown>, { withDb, print, usage: (m) => new UsageError(m), operator: () => operator(o) });
      }
      throw new UsageError(`unknown command "${command}"`);
  }
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const command = parsed.positionals.join(' ');
  if (parsed.values.help || command === '') {
    process.stdout.write(USAGE);
    return command === '' && !parsed.values.help ? 2 : 0;
  }
  try {
    await run(command, loadConfig(), parsed.values as Options);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) process.stderr.write(`callgate: ${error.message}\n\n${USAGE}`);
    else if (error instanceof ConfigError || error instanceof PolicyError) process.stderr.write(`callgate: configuration error: ${error.message}\n`);
    else process.stderr.write(`callgate: ${(error as Error).message}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    // A command may have set a failing exit code itself (a verification that found tampering).
    if (code !== 0 || !process.argv.slice(2).includes('serve')) process.exitCode = code || process.exitCode;
  });
}
