import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { startTestGateway, type TestGateway, type World } from '../../gateway/test/support/gateway';
import { capParams, createPeople, launch, pageSteps, signIn } from './support';

const { buildUi } = require('../ui/build.js') as { buildUi: () => Promise<string> };

const X = '+8613700000001';
const Z = '+8613700000002';

describe('admin UI in a real browser (Chromium, 1366×768)', () => {
  let gw: TestGateway;
  let world: World;
  let base: string;
  let browser: BrowserContext;
  let page: Page;
  let changeId: string;

  let shot: (name: string) => Promise<Buffer>;
  let go: (hash: string) => Promise<void>;
  let signInAs: (username: string) => Promise<void>;
  let signOut: () => Promise<void>;

  before(async () => {
    await buildUi();
    gw = await startTestGateway('sqlite');
    world = await gw.seed();
    await createPeople(gw, world.tenantId);
    for (const callee of [X, Z]) await gw.consent(world, callee);
    // Two calls to X within five minutes: allowed under the shipped cap of three.
    for (let i = 0; i < 2; i++) assert.equal((await gw.decide(world, X)).json().allow, true);
    await gw.decide(world, '+8613700000003'); // no consent: a denial for the dashboard
    await gw.app.listen({ port: 0, host: '127.0.0.1' });
    const address = gw.app.server.address() as { port: number };
    base = `http://127.0.0.1:${address.port}`;
    browser = await launch();
    page = browser.pages()[0] ?? (await browser.newPage());
    ({ shot, go, signInAs, signOut } = pageSteps(page, () => base));
  });

  after(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('a compliance officer edits a rule through the schema form, is told plainly what is wrong, and runs a what-if on the draft', async () => {
    await page.goto(`${base}/admin/`);
    await page.waitForSelector('input[name=username]');
    await shot('01-sign-in');
    await signInAs('carol');
    await page.waitForSelector('.stat-value');
    await shot('02-dashboard');

    await page.click('nav >> text=Policies');
    const row = page.locator('tr[data-rule="CN-CAP-PER-CALLEE"]');
    await row.waitFor();
    await shot('03-policies');
    await row.locator('button', { hasText: 'Edit' }).click();
    await page.fill('[data-field="params.windows.1.seconds"]', '0');
    await page.fill('textarea[name=reason]', 'Carrier notice 2026-11: one call per five minutes');
    await page.click('button:has-text("Save as draft")');
    await page.waitForSelector('.alert-error');
    assert.match(await page.textContent('.alert-error') ?? '', /CN-CAP-PER-CALLEE › windows #2 › seconds must be at least 1/);
    await shot('04-policy-edit-error');

    await page.fill('[data-field="params.windows.1.seconds"]', '300');
    await page.fill('[data-field="params.windows.1.max"]', '1');
    await page.click('button:has-text("Save as draft")');
    await page.waitForURL(/#\/changes\/pch_/);
    changeId = decodeURIComponent(page.url().split('/').pop()!);
    await page.waitForSelector('table.diff');
    assert.match(await page.textContent('table.diff') ?? '', /CN-CAP-PER-CALLEE › params\.windows\[1\]\.max\s*31/);
    assert.equal(await page.locator('button:has-text("Approve and publish")').count(), 0, 'the author is offered no approval');
    assert.match(await page.textContent('body') ?? '', /You drafted this change/);

    await page.click('button:has-text("Run what-if")');
    await page.waitForSelector('[data-testid=what-if-report]');
    assert.equal(await page.textContent('[data-testid=allow-to-deny]'), '1', "X's second call would have been denied");
    assert.equal(await page.textContent('[data-testid=deny-to-allow]'), '0');
    await shot('05-change-what-if');
  });

  it('a second compliance officer approves, and the next decision is denied under the new revision', async () => {
    const dialerAt = { campaignId: world.campaignId, callee: X, caller: world.caller, at: new Date().toISOString() };
    assert.equal((await gw.call('POST', '/v1/decisions/evaluate', world.dialer, dialerAt)).json().allow, true, 'a draft changes nothing');

    await signOut();
    await signInAs('dave');
    await go(`changes/${changeId}`);
    await page.click('button:has-text("Approve and publish")');
    await page.waitForSelector('h1 .badge-allow');
    assert.match(await page.textContent('h1') ?? '', /published/);
    await shot('06-change-approved');

    const decision = (await gw.decide(world, X)).json();
    assert.equal(decision.allow, false);
    assert.deepEqual(decision.reasons.map((r: { code: string }) => r.code), ['FREQUENCY_CAP_EXCEEDED']);
    const change = (await gw.call('GET', `/admin/api/policy-changes/${changeId}`, await signIn(gw, 'dave'))).json();
    assert.equal(decision.policyRevision, change.revisionId);

    await go('decisions');
    await page.fill('input[name=callee]', X);
    await page.click('button:has-text("Search")');
    await page.locator('table.decisions tbody tr').first().click();
    await page.waitForSelector('ol.reasons');
    const why = await page.textContent('ol.reasons');
    assert.match(why ?? '', /FREQUENCY_CAP_EXCEEDED/);
    assert.match(why ?? '', /CN-CAP-PER-CALLEE/);
    await shot('07-decision');
  });

  it('an opt-out recorded in the UI returns a receipt and denies the very next decision', async () => {
    assert.equal((await gw.decide(world, Z)).json().allow, true);
    await page.selectOption('select.tenant-select', world.tenantId);
    await go('lists');
    await page.fill('input[name=optOutCallee]', Z);
    await page.click('button:has-text("Record opt-out")');
    await page.waitForSelector('[data-testid=receipt]');
    const receipt = /opt_[0-9a-z]+/.exec((await page.textContent('[data-testid=receipt]')) ?? '')![0];
    const next = (await gw.decide(world, Z)).json();
    assert.equal(next.allow, false);
    const optedOut = next.reasons.find((r: { code: string }) => r.code === 'OPTED_OUT');
    assert.ok(optedOut, 'denied because of the refusal');
    assert.ok(optedOut.message.includes(receipt), 'the denial names the receipt shown in the UI');

    await page.fill('input[name=searchCallee]', Z);
    await page.click('button:has-text("Search")');
    await page.waitForSelector(`code:has-text("${receipt}")`);
    await shot('08-opt-outs-consents');
  });

  it('an auditor reads policies without any edit control, and the API refuses an edit by that role', async () => {
    await signOut();
    await signInAs('erin');
    await go('policies');
    await page.locator('tr[data-rule="CN-HOURS"]').waitFor();
    assert.equal(await page.locator('button:has-text("Edit")').count(), 0);
    assert.equal(await page.locator('nav >> text=Users').count(), 0);
    await shot('09-auditor-policies');
    const token = await signIn(gw, 'erin');
    const refused = await gw.call('POST', '/admin/api/policy-changes', token, { packId: 'cn', ruleId: 'CN-CAP-PER-CALLEE', params: capParams(2), reason: 'an auditor trying' });
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().error.code, 'FORBIDDEN_ROLE');
    await go('dashboard');
    await page.waitForSelector('.stat-value');
    await shot('10-auditor-dashboard');
  });

  it('an admin manages users, imports a registry copy with progress, and sees tenants and their display numbers', async () => {
    await signOut();
    await signInAs('olga');
    const listed = '+8613700000009';
    await gw.consent(world, listed);
    await go('lists');
    await page.fill('input[name=listName]', '防骚扰 preference list');
    await page.setInputFiles('input[name=listFile]', { name: 'dnc.txt', mimeType: 'text/plain', buffer: Buffer.from(`# test copy\n${listed}\n13700000010\nnot a number\n`) });
    await page.click('button:has-text("Import")');
    await page.waitForSelector('[data-testid=import-result]');
    assert.match((await page.textContent('[data-testid=import-result]')) ?? '', /2 numbers, 1 line not understood/);
    const decision = (await gw.decide(world, listed)).json();
    assert.ok(decision.reasons.some((r: { code: string }) => r.code === 'REGISTRY_LISTED'), 'the imported copy is in force for the next decision');
    await shot('12-registry-import');

    await go('users');
    await page.waitForSelector('text=carol');
    await shot('13-users');
    await page.selectOption('select.tenant-select', world.tenantId);
    await go('identity');
    await page.waitForSelector(`text=${world.caller}`);
    await page.fill('input[name=e164]', '+862161234500');
    await page.fill('input[name=proof]', 'CT-2026-0099');
    await page.click('button:has-text("Register number")');
    await page.waitForSelector('text=+862161234500');
    const pending = page.locator('tr', { hasText: '+862161234500' });
    assert.match((await pending.textContent()) ?? '', /pending/);
    await pending.locator('button', { hasText: 'Verify' }).click();
    await page.locator('tr', { hasText: '+862161234500' }).locator('.badge', { hasText: 'verified' }).waitFor();
    await shot('14-identity');
  });
});
