import fs from 'node:fs';

/**
 * The data directory holds callee numbers, consent evidence, password hashes and signing keys:
 * nobody but the gateway's own user may read it, whatever the umask of whoever started it.
 */
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/** Creates the folder readable by its owner only, and narrows it when it exists and is ours. */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  narrow(dir, DIR_MODE);
}

/** Creates the file empty when missing; in any case leaves it readable and writable by its owner only. */
export function ensurePrivateFile(file: string): void {
  fs.closeSync(fs.openSync(file, 'a', FILE_MODE));
  narrow(file, FILE_MODE);
}

/** Narrows an existing file (a -wal or -shm left by an older version); absent files are fine. */
export function narrowIfExists(file: string): void {
  if (fs.existsSync(file)) narrow(file, FILE_MODE);
}

export function writePrivateFile(file: string, data: string | Buffer, flag = 'w'): void {
  fs.writeFileSync(file, data, { mode: FILE_MODE, flag });
  narrow(file, FILE_MODE);
}

function narrow(target: string, mode: number): void {
  const stat = fs.statSync(target);
  // Someone else's folder (a shared /tmp parent, a mount) is not ours to change.
  if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) return;
  if ((stat.mode & 0o777) !== mode) fs.chmodSync(target, mode);
}
