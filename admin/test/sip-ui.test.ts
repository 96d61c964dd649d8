import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { startTestGateway, type TestGateway, type World } from '../../gateway/test/support/gateway';
import { createPeople, launch, pageSteps } from './support';

const { buildUi } = require('../ui/build.js') as { buildUi: () => Promise<string> };

const md5 = (text: string) => crypto.createHash('md5').update(text).digest('hex');

describe('admin UI: SIP dialer accounts (Chromium)', () => {
  let gw: TestGateway;
  let world: World;
  let base: string;
  let browser: BrowserContext;
  let page: Page;
  let steps: ReturnType<typeof pageSteps>;

  before(async () => {
    await buildUi();
    gw = await startTestGateway('sqlite');
    world = await gw.seed();
    await createPeople(gw, world.tenantId);
    await gw.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(gw.app.server.address() as { port: number }).port}`;
    browser = await launch();
    page = browser.pages()[0] ?? (await browser.newPage());
    steps = pageSteps(page, () => base);
  });

  after(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('an operator admin creates a dialer account, sees its password once, rotates it (the old digest is replaced) and revokes it', async () => {
    await steps.signInAs('olga');
    await steps.go('sip');
    await page.selectOption('select[aria-label=Tenant]', world.tenantId);
    await page.fill('input[name=sipUsername]', 'ui-dialer');
    await page.click('button:has-text("Create account")');
    const first = (await page.locator('[data-testid=sip-password]').textContent())!;
    await page.waitForSelector('tr[data-account=ui-dialer]');
    const row = await gw.gate.db('sip_accounts').where({ username: 'ui-dialer' }).first();
    assert.equal(row.ha1_md5, md5(`ui-dialer:callgate:${first}`), 'the password shown is the one whose digest is stored');
    await steps.shot('sip-01-created');

    await page.click('tr[data-account=ui-dialer] button:has-text("Rotate password")');
    await page.waitForFunction((old) => document.querySelector('[data-testid=sip-password]')?.textContent !== old, first);
    const second = (await page.locator('[data-testid=sip-password]').textContent())!;
    const rotated = await gw.gate.db('sip_accounts').where({ username: 'ui-dialer' }).first();
    assert.equal(rotated.ha1_md5, md5(`ui-dialer:callgate:${second}`));
    assert.notEqual(rotated.ha1_md5, row.ha1_md5);

    page.once('dialog', (d) => void d.accept());
    await page.click('tr[data-account=ui-dialer] button:has-text("Revoke")');
    await page.waitForSelector('tr[data-account=ui-dialer] >> text=revoked');
    const revoked = await gw.gate.db('sip_accounts').where({ username: 'ui-dialer' }).first();
    assert.ok(revoked.revoked_at, 'revoked in the database');
    await steps.shot('sip-02-revoked');
  });

  it('a tenant admin is not offered the page', async () => {
    await steps.signOut();
    await createTenantAdmin();
    await steps.signInAs('tadmin');
    assert.equal(await page.locator('nav >> text=SIP dialers').count(), 0);
  });

  async function createTenantAdmin() {
    const { createUser } = await import('../api/users');
    await createUser(gw.gate.db, { username: 'tadmin', role: 'admin', tenantId: world.tenantId, password: 'correct horse battery staple', displayName: 'T Admin' }, 'test');
  }
});
