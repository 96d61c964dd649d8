import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { mintToken, type Role } from '../../src/auth/tokens';
import type { GatewayContext } from '../../src/api/context';
import { POLICIES_DIR } from '../../src/policy/loader';
import { buildApp, createGateway, createLogger } from '../../src/server';
import { freshConfig, type Engine } from './db';

/**
 * A policy folder holding the CN pack with calling hours widened to the whole day, so that tests
 * that are not about hours pass at any time of day. Hours themselves are tested with fixed instants.
 */
export function allDayPolicyDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-policies-'));
  const pack = JSON.parse(fs.readFileSync(path.join(POLICIES_DIR, 'cn', 'pack.json'), 'utf8'));
  pack.revision = 'test-all-day';
  for (const rule of pack.rules) {
    if (rule.kind === 'callingHours') rule.params.windows = [{ days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' }];
  }
  fs.mkdirSync(path.join(dir, 'cn'));
  fs.writeFileSync(path.join(dir, 'cn', 'pack.json'), JSON.stringify(pack, null, 2));
  return dir;
}

export interface World {
  tenantId: string;
  brandId: string;
  numberId: string;
  campaignId: string;
  caller: string;
  dialer: string;
  compliance: string;
  auditor: string;
}

export interface Answer {
  statusCode: number;
  body: string;
  json(): any;
}

/** Drives a gateway through its API, in process or over HTTP, the way a dialer or an officer would. */
export abstract class GatewayClient {
  constructor(readonly signingSecret: string) {}

  abstract call(method: 'GET' | 'POST', url: string, token: string | null, body?: unknown): Promise<Answer>;

  token(role: Role, tenantId: string | null, subject = `${role}-test`, ttlSeconds = 3600): string {
    return mintToken(this.signingSecret, { role, tenantId, subject }, ttlSeconds);
  }

  get admin(): string {
    return this.token('admin', null, 'admin-test');
  }

  /** POSTs and insists on the expected status, returning the parsed body. */
  async ok(url: string, token: string, body: unknown, status = 201): Promise<any> {
    const res = await this.call('POST', url, token, body);
    if (res.statusCode !== status) throw new Error(`POST ${url} answered ${res.statusCode}: ${res.body}`);
    return res.json();
  }

  /** A verified tenant with a brand, a verified display number and a campaign under the CN pack. */
  async seed(options: { caller?: string; mode?: string; uscc?: string; legalName?: string } = {}): Promise<World> {
    const caller = options.caller ?? '+862161234567';
    const tenant = await this.ok('/v1/tenants', this.admin, { legalName: options.legalName ?? '上海示例保险代理有限公司', uscc: options.uscc ?? '91350100M000100Y43', country: 'CN' });
    await this.ok(`/v1/tenants/${tenant.id}/verification`, this.admin, { status: 'verified', evidence: { licence: 'scan-0001' } }, 200);
    const compliance = this.token('compliance', tenant.id);
    const brand = await this.ok('/v1/brands', compliance, { name: '示例保险' });
    const number = await this.ok('/v1/caller-numbers', compliance, { e164: caller, proofOfRight: { carrierAllocation: 'CT-0042' } });
    await this.ok(`/v1/caller-numbers/${number.id}/verification`, this.admin, { status: 'verified' }, 200);
    const campaign = await this.ok('/v1/campaigns', compliance, {
      brandId: brand.id, name: '续保提醒', purpose: 'insurance', policyPack: 'cn', dialingMode: options.mode ?? 'agent', callerNumberIds: [number.id],
    });
    return {
      tenantId: tenant.id,
      brandId: brand.id,
      numberId: number.id,
      campaignId: campaign.id,
      caller,
      dialer: this.token('dialer', tenant.id),
      compliance,
      auditor: this.token('auditor', tenant.id),
    };
  }

  async consent(world: World, callee: string, extra: Record<string, unknown> = {}): Promise<any> {
    return this.ok('/v1/consents', world.dialer, {
      callee,
      brandId: world.brandId,
      purpose: 'insurance',
      channel: 'web',
      obtainedAt: new Date(Date.now() - 86_400_000).toISOString(),
      expiresAt: new Date(Date.now() + 365 * 86_400_000).toISOString(),
      captureMethod: 'web_form_checkbox',
      evidence: { textShown: '我同意示例保险就续保事宜致电我', pageUrl: 'https://example.com/renew', ip: '203.0.113.7', preTicked: false, bundledWithOtherTerms: false },
      ...extra,
    });
  }

  async decide(world: World, callee: string, caller: string | null = world.caller): Promise<Answer> {
    return this.call('POST', '/v1/decisions', world.dialer, { campaignId: world.campaignId, callee, caller });
  }
}

/** In process, through fastify's inject. */
export class TestGateway extends GatewayClient {
  constructor(
    readonly app: FastifyInstance,
    readonly gate: GatewayContext,
  ) {
    super(gate.signingSecret);
  }

  async call(method: 'GET' | 'POST', url: string, token: string | null, body?: unknown): Promise<LightMyRequestResponse> {
    return this.app.inject({
      method,
      url,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(body === undefined ? {} : { payload: body as object }),
    });
  }

  async count(table: string): Promise<number> {
    const [row] = await this.gate.db(table).count({ n: '*' });
    return Number(row.n);
  }

  async close(): Promise<void> {
    await this.app.close();
    await this.gate.db.destroy();
  }
}

export async function startTestGateway(engine: Engine, env: Record<string, string> = {}): Promise<TestGateway> {
  const config = await freshConfig(engine, { POLICY_DIR: allDayPolicyDir(), ...env });
  const log = createLogger('silent');
  const gate = await createGateway(config, log);
  return new TestGateway(await buildApp(gate, log), gate);
}

/** A gateway in its own process, over HTTP on loopback. */
export class HttpGateway extends GatewayClient {
  constructor(
    readonly baseUrl: string,
    signingSecret: string,
  ) {
    super(signingSecret);
  }

  async call(method: 'GET' | 'POST', url: string, token: string | null, body?: unknown): Promise<Answer> {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(this.baseUrl + url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { statusCode: res.status, body: text, json: () => JSON.parse(text) };
  }
}
