'use strict';
/**
 * The test command provisions what it needs from Debian's packages: a real part that is missing is
 * installed with apt-get (as root), and its absence fails the run, never skips a test.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
let updated = false;

/** Returns the first existing path of `binaries`, installing `packages` first when none exists. */
function ensureDebianBinary(binaries, packages) {
  const found = () => binaries.find((p) => fs.existsSync(p)) || null;
  if (found()) return found();
  if (!isRoot) throw new Error(`${binaries[0]} is missing and this user cannot install it: run \`sudo apt-get install ${packages.join(' ')}\``);
  process.stderr.write(`test: installing ${packages.join(', ')} from Debian packages\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!updated) execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  updated = true;
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: 'inherit', env });
  const installed = found();
  if (!installed) throw new Error(`${packages.join(', ')} installed but none of ${binaries.join(', ')} exists`);
  return installed;
}

module.exports = { ensureDebianBinary, isRoot };
