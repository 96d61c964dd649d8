import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import type { SignedManifest } from '../../gateway/src/audit/export';
import { sealChains } from '../../gateway/src/audit/seals';
import { verifyExportFile } from '../../gateway/src/audit/verify-file';
import { startTestGateway, type TestGateway, type World } from '../../gateway/test/support/gateway';
import { createPeople, launch, pageSteps, signIn } from './support';

const { buildUi } = require('../ui/build.js') as { buildUi: () => Promise<string> };

/** The person whose story the auditor reads. */
const P = '+8613700000021';

describe("auditor pages in a real browser (Chromium, 1366×768, MariaDB): one person's trail, a signed export, verification", () => {
  let gw: TestGateway;
  let world: World;
  let base: string;
  let browser: BrowserContext;
  let page: Page;
  let steps: ReturnType<typeof pageSteps>;
  let receipt: string;
  let consentId: string;
  let publicKey: string;
  const downloads = fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-downloads-'));

  /** Clicks a button that hands the browser a file, and keeps the file where the test can read it. */
  const download = async (button: string): Promise<string> => {
    const [file] = await Promise.all([page.waitForEvent('download'), page.click(`button:has-text("${button}")`)]);
    const to = path.join(downloads, file.suggestedFilename());
    await file.saveAs(to);
    return to;
  };

  before(async () => {
    await buildUi();
    gw = await startTestGateway('mariadb');
    world = await gw.seed();
    await createPeople(gw, world.tenantId);
    // P's story: a call refused for want of consent, consent with evidence, an allowed call, a refusal, the next call denied.
    assert.equal((await gw.decide(world, P)).json().allow, false);
    consentId = (await gw.consent(world, P)).id;
    assert.equal((await gw.decide(world, P)).json().allow, true);
    receipt = (await gw.ok('/v1/opt-outs', world.dialer, { callee: P, scope: 'tenant', source: 'keypress' })).id;
    assert.equal((await gw.decide(world, P)).json().allow, false);
    await sealChains(gw.gate.db, gw.gate.audit.signer);
    publicKey = (await gw.call('GET', '/v1/audit/public-key', null)).json().publicKey;
    await gw.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(gw.app.server.address() as { port: number }).port}`;
    browser = await launch();
    page = browser.pages()[0] ?? (await browser.newPage());
    steps = pageSteps(page, () => base);
  });

  after(async () => {
    await browser?.close();
    await gw?.close();
    fs.rmSync(downloads, { recursive: true, force: true });
  });

  it("an auditor opens one person's trail and reads the consent, the decisions with their reasons and the opt-out, in order, and her own read", async () => {
    await steps.signInAs('erin');
    await steps.go('audit');
    await page.fill('input[name=trailCallee]', P);
    await page.click('button:has-text("Show trail")');
    await page.waitForSelector('[data-testid=trail]');
    const rows = page.locator('table.trail tbody tr');
    const types = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-type')));
    assert.deepEqual(
      types.filter((t) => t !== 'admin.action'),
      ['decision', 'consent.given', 'decision', 'opt_out.received', 'decision'],
    );
    const text = async (type: string, nth: number) => (await page.locator(`table.trail tr[data-type="${type}"]`).nth(nth).textContent()) ?? '';
    assert.match(await text('decision', 0), /denied.*NO_CONSENT.*CN-CONSENT-OPT-IN/s);
    assert.match(await text('consent.given', 0), /insurance.*pageUrl.*https:\/\/example\.com\/renew/s);
    assert.match(await text('decision', 1), /allowed.*Every rule was met/s);
    assert.match(await text('opt_out.received', 0), new RegExp(`${receipt}.*keypress`, 's'));
    assert.match(await text('decision', 2), new RegExp(`denied.*OPTED_OUT.*${receipt}`, 's'));
    assert.match(await text('admin.action', 0), /erin \(auditor\).*GET \/v1\/audit\/trail/s, 'the read itself is in the trail, naming the reader');
    await steps.shot('11-audit-trail');
    // From the trail to the decision's own page, with its full explanation.
    await page.locator('table.trail tr[data-type="decision"]').nth(2).locator('a', { hasText: 'Decision' }).click();
    await page.waitForSelector('ol.reasons');
    assert.match((await page.textContent('ol.reasons')) ?? '', /OPTED_OUT/);
  });

  it('an auditor exports the trail, reads the signed manifest, downloads the file, and the file verifies offline; one altered byte fails', async () => {
    await steps.go('audit');
    await page.fill('input[name=exportCallee]', P);
    await page.click('button:has-text("Create export")');
    await page.waitForSelector('[data-testid=manifest]');
    assert.match((await page.textContent('[data-testid=manifest-counts]')) ?? '', /^[1-9]\d* records · \d+ omitted/);
    const keyId = (await gw.call('GET', '/v1/audit/public-key', null)).json().keyId;
    assert.equal(await page.textContent('[data-testid=manifest-key-id]'), keyId);
    await steps.shot('12-audit-export');

    const file = await download('Download the file');
    const manifestFile = await download('Download the manifest');
    const pem = await download('Download the public key');
    assert.equal(fs.readFileSync(pem, 'utf8'), publicKey);
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as SignedManifest;
    assert.equal(manifest.filter.tenantId, world.tenantId, "a tenant's auditor exports her tenant only");
    assert.ok(manifest.seals.length > 0, 'the export covers the seals');
    const good = await verifyExportFile(file, manifest, [fs.readFileSync(pem, 'utf8')]);
    assert.equal(good.ok, true, JSON.stringify(good.firstBad));
    assert.equal(good.records, manifest.counts.records);

    // One byte of the opt-out's receipt changed in the downloaded file.
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const victim = lines.findIndex((l) => l.includes('opt_out.received'));
    assert.ok(victim >= 0);
    lines[victim] = lines[victim].replace('keypress', 'keypresz');
    const altered = path.join(downloads, 'altered.ndjson');
    fs.writeFileSync(altered, lines.join('\n'));
    const bad = await verifyExportFile(altered, manifest, [publicKey]);
    assert.equal(bad.ok, false);
    assert.equal(bad.firstBad?.line, victim + 1, JSON.stringify(bad.firstBad));
  });

  it('an auditor verifies the trail in the database from the page', async () => {
    await page.click('button:has-text("Verify the trail")');
    await page.waitForSelector('[data-testid=verify-report]');
    assert.match((await page.textContent('[data-testid=verify-report]')) ?? '', /The trail verifies: \d+ records in \d+ chains/);
    assert.equal(await page.locator('[data-testid=verify-report] .badge-deny').count(), 0);
    await steps.shot('13-audit-verify');
  });

  it('a compliance-only action, withdrawing a consent, is refused to the auditor in the UI and by the API; another tenant is refused too', async () => {
    await steps.go('lists');
    await page.fill('input[name=searchCallee]', P);
    await page.click('button:has-text("Search")');
    await page.waitForSelector('.consent');
    assert.equal(await page.locator('.consent button:has-text("Revoke")').count(), 0, 'no Revoke control for an auditor');
    assert.equal(await page.locator('button:has-text("Record opt-out")').count(), 0, 'no opt-out form for an auditor');
    const erin = await signIn(gw, 'erin');
    const refused = await gw.call('POST', `/v1/consents/${consentId}/revoke`, erin, { reason: 'an auditor trying' });
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().error.code, 'FORBIDDEN_ROLE');
    const elsewhere = await gw.call('POST', '/v1/audit/exports', erin, { format: 'ndjson', tenantId: 'ten_someone_else' });
    assert.equal(elsewhere.statusCode, 403);
    assert.equal(elsewhere.json().error.code, 'FORBIDDEN_TENANT');

    // A compliance officer reads the trail but the database verification is the auditors' and admins'.
    await steps.signOut();
    await steps.signInAs('tina');
    await steps.go('audit');
    await page.waitForSelector('input[name=trailCallee]');
    assert.equal(await page.locator('button:has-text("Verify the trail")').count(), 0);
    assert.equal((await gw.call('POST', '/v1/audit/verify', await signIn(gw, 'tina'))).statusCode, 403);
  });
});
