import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { projectRoot } from '../../gateway/src/paths';
import { createUser, type UserRole } from '../api/users';
import type { TestGateway } from '../../gateway/test/support/gateway';

export const PASSWORD = 'correct horse battery staple';

/** The people of a deployment: the operator's officers and auditor, and one tenant's own people. */
export async function createPeople(gw: TestGateway, tenantId: string): Promise<void> {
  const people: [string, UserRole, string | null, string][] = [
    ['carol', 'compliance', null, 'Carol Chen'],
    ['dave', 'compliance', null, 'Dave Du'],
    ['olga', 'admin', null, 'Olga Ops'],
    ['erin', 'auditor', tenantId, 'Erin Ernst'],
    ['tina', 'compliance', tenantId, 'Tina Tan'],
  ];
  for (const [username, role, tenant, displayName] of people) {
    await createUser(gw.gate.db, { username, role, tenantId: tenant, password: PASSWORD, displayName }, 'test');
  }
}

export async function signIn(gw: { call: TestGateway['call'] }, username: string, password = PASSWORD): Promise<string> {
  const res = await gw.call('POST', '/admin/api/session', null, { username, password });
  if (res.statusCode !== 201) throw new Error(`sign-in of ${username} answered ${res.statusCode}: ${res.body}`);
  return res.json().token;
}

/** The 5-minute per-callee window of the CN pack lowered from 3 calls to `max`. */
export function capParams(max: number) {
  return { scope: 'callee_per_tenant', windows: [{ seconds: 86400, max: 5 }, { seconds: 300, max }] };
}

/** Screenshots of the pages, to look at after a run; ignored by git. */
export const SHOTS = path.join(projectRoot(), '.test-artifacts', 'admin-ui');
const CHROMIUM = process.env.CALLGATE_TEST_CHROMIUM || '/usr/bin/chromium';

/** Debian's Chromium with a fresh profile, at a laptop's size. */
export async function launch(): Promise<BrowserContext> {
  fs.mkdirSync(SHOTS, { recursive: true });
  return chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1366, height: 768 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** The steps every browser test takes: open a page by its hash, sign in and out, take a screenshot. */
export function pageSteps(page: Page, base: () => string) {
  return {
    shot: (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true }),
    go: async (hash: string) => {
      await page.goto(`${base()}/admin/#/${hash}`);
    },
    signInAs: async (username: string) => {
      await page.goto(`${base()}/admin/#/login`);
      await page.fill('input[name=username]', username);
      await page.fill('input[name=password]', PASSWORD);
      await page.click('button[type=submit]');
      await page.waitForSelector('.who-name');
    },
    signOut: async () => {
      await page.click('text=Sign out');
      await page.waitForSelector('input[name=username]');
    },
  };
}
