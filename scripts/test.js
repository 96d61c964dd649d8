'use strict';
/**
 * `npm test`: every test of the project, against real parts. It provisions and starts a private
 * MariaDB server (failing, not skipping, when it cannot), then runs node's test runner over the
 * gateway's and the policy packs' tests with CALLGATE_TEST_MYSQL_URL pointing at that server.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { ensureDebianBinary } = require('./debian');
const { startMariaDb } = require('./mariadb');

const ROOT = path.resolve(__dirname, '..');

function testFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : testFiles(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

async function main() {
  const filter = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  let files = [...testFiles(path.join(ROOT, 'gateway')), ...testFiles(path.join(ROOT, 'admin')), ...testFiles(path.join(ROOT, 'policies'))].sort();
  if (filter.length > 0) files = files.filter((f) => filter.some((part) => f.includes(part)));
  if (files.length === 0) throw new Error('no test files found');

  // The admin UI's tests drive Debian's Chromium.
  if (files.some((f) => f.startsWith(path.join(ROOT, 'admin') + path.sep))) {
    process.env.CALLGATE_TEST_CHROMIUM = ensureDebianBinary(['/usr/bin/chromium'], ['chromium']);
    // A CJK font, so that the Chinese names and citations in the page screenshots are legible.
    ensureDebianBinary(['/usr/share/fonts/truetype/wqy/wqy-microhei.ttc'], ['fonts-wqy-microhei']);
  }
  // The SIP proxy is tested against the real sipp (Debian's sip-tester), installed when missing.
  if (files.some((f) => path.relative(ROOT, f).split(path.sep).includes('sip'))) ensureDebianBinary(['/usr/bin/sipp'], ['sip-tester']);
  const mariadb = await startMariaDb();
  process.stderr.write(`test: MariaDB ${mariadb.server} on 127.0.0.1:${mariadb.port}\n`);
  let status = 1;
  try {
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=300000', ...files], {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, CALLGATE_TEST_MYSQL_URL: mariadb.url, CALLGATE_TEST_MARIADB_SERVER: mariadb.server, LOG_LEVEL: process.env.LOG_LEVEL || 'silent' },
    });
    status = result.status === null ? 1 : result.status;
  } finally {
    await mariadb.stop();
  }
  process.exit(status);
}

main().catch((error) => {
  process.stderr.write(`test: cannot run the tests: ${error.message}\n`);
  process.exit(1);
});
