'use strict';
/**
 * A private MariaDB server for the test suite: installed from Debian's packages when missing,
 * started on 127.0.0.1 and a free port with its own data directory, and removed afterwards.
 * It never touches a system database server or its configuration (--no-defaults).
 */
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const { ensureDebianBinary, isRoot } = require('./debian');

const SERVER_CANDIDATES = ['/usr/sbin/mariadbd', '/usr/sbin/mysqld'];

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function waitForPort(port, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) return reject(new Error(`mariadbd exited with code ${child.exitCode}`));
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) return reject(new Error(`mariadbd did not listen on ${port} within ${timeoutMs} ms`));
        setTimeout(attempt, 200);
      });
    };
    attempt();
  });
}

async function startMariaDb() {
  const server = ensureDebianBinary(SERVER_CANDIDATES, ['mariadb-server', 'mariadb-client']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-mariadb-'));
  const dataDir = path.join(dir, 'data');
  const socket = path.join(dir, 'mariadb.sock');
  fs.mkdirSync(dataDir);
  // mariadbd refuses to run as root; as root, it runs as the mysql user over a directory it owns.
  const userArgs = isRoot ? ['--user=mysql'] : [];
  if (isRoot) execFileSync('chown', ['-R', 'mysql:mysql', dir]);
  execFileSync('mariadb-install-db', ['--no-defaults', `--datadir=${dataDir}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...userArgs], { stdio: 'pipe' });
  const port = await freePort();
  const log = path.join(dir, 'server.log');
  const args = [
    '--no-defaults', `--datadir=${dataDir}`, `--socket=${socket}`, `--port=${port}`, '--bind-address=127.0.0.1',
    `--pid-file=${path.join(dir, 'mariadbd.pid')}`, `--log-error=${log}`, '--skip-name-resolve',
    '--innodb-buffer-pool-size=256M', '--innodb-log-file-size=128M', '--max-connections=500', '--character-set-server=utf8mb4',
    ...userArgs,
  ];
  const launch = async () => {
    const child = spawn(server, args, { stdio: 'ignore', detached: false });
    try {
      await waitForPort(port, child, 30000);
    } catch (error) {
      const tail = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').slice(-15).join('\n') : '';
      child.kill('SIGKILL');
      throw new Error(`${error.message}\n${tail}`);
    }
    return child;
  };
  const halt = (child) =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', resolve);
      child.kill('SIGTERM');
    });
  let child = await launch();
  const password = 'callgate-test';
  execFileSync('mariadb', ['--no-defaults', `--socket=${socket}`, '-uroot', '-e',
    `CREATE USER 'callgate'@'127.0.0.1' IDENTIFIED BY '${password}'; GRANT ALL ON *.* TO 'callgate'@'127.0.0.1'; FLUSH PRIVILEGES;`]);
  return {
    url: `mysql://callgate:${password}@127.0.0.1:${port}/`,
    port,
    server,
    args,
    dir,
    /** Stops the server but keeps its data, to test what the gateway does while it is down. */
    async pause() {
      await halt(child);
    },
    async resume() {
      child = await launch();
    },
    async stop() {
      await halt(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { startMariaDb, freePort };
