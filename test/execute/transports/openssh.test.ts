/**
 * The OpenSSH transport against a real sshd on loopback, with faults put between the runner and
 * ssh: an `ssh` on PATH that passes everything to the real one, except that it can break a step's
 * connection at the worst moment.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Inventory } from '../../../runner/execute/inventories/inventory.js';
import { createOpenSshTransport } from '../../../runner/execute/transports/openssh.js';
import { processesMatching } from '../../helpers/processes.js';
import { startSshHosts, type SshHosts } from '../../helpers/ssh-hosts.js';

let fleet: SshHosts;
let dir: string;
const savedPath = process.env.PATH;

beforeAll(async () => {
  fleet = await startSshHosts(['node-0']);
});
afterAll(() => {
  fleet?.stopAll();
  if (fleet) rmSync(fleet.dir, { recursive: true, force: true });
});
afterEach(() => {
  process.env.PATH = savedPath;
  delete process.env.LAB_TEST_FAULT_DIR;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function inventory(at: { address: string; port: number } = fleet.hosts[0]!): Inventory {
  return {
    knownUpFront: true,
    describe: () => 'the test fleet',
    resolve: async (name) => ({
      host: name,
      address: at.address,
      port: at.port,
      user: 'root',
      identity: path.join(fleet.dir, 'client_key'),
    }),
  };
}

/**
 * The first step session (`... bash -s`) is cut the moment the host prints its start marker,
 * before a byte of it reaches the runner: the real ssh is killed and this one exits 255, as ssh
 * does when its connection breaks. It waits a second first, long enough for a host that went
 * straight on to run the step, and writes down how often the step had run by then.
 */
const CUT_AFTER_START = `
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const fault = process.env.LAB_TEST_FAULT_DIR;
const args = process.argv.slice(2);
const armed = / bash -s$|^bash -s$/.test(args.at(-1) ?? '') && !fs.existsSync(fault + '/cut');
const ssh = spawn('/usr/bin/ssh', args, { stdio: ['inherit', 'inherit', armed ? 'pipe' : 'inherit'] });
ssh.on('exit', (code, signal) => { if (!armed) process.exit(code ?? 255); });
if (armed) {
  let seen = '';
  ssh.stderr.on('data', (chunk) => {
    seen += chunk.toString('latin1');
    if (!seen.includes('LAB-START-') || fs.existsSync(fault + '/cut')) return;
    fs.writeFileSync(fault + '/cut', '');
    ssh.kill('SIGKILL');
    setTimeout(() => {
      const runs = fs.existsSync(fault + '/runs') ? fs.readFileSync(fault + '/runs', 'utf8') : '';
      fs.writeFileSync(fault + '/runs-before-retry', runs);
      process.exit(255);
    }, 1000);
  });
}
`;

/**
 * The first step session is left half-open the moment the host prints its start marker: the real
 * ssh lives on apart from the runner, with its input held open by a sleep, so the host hears
 * nothing more and no end of input either; this ssh exits 255 as if the connection had broken.
 * It writes down how often the step had run a second later, and the pids it leaves behind.
 */
const HALF_OPEN_AFTER_START = `
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const fault = process.env.LAB_TEST_FAULT_DIR;
const args = process.argv.slice(2);
const armed = / bash -s$|^bash -s$/.test(args.at(-1) ?? '') && !fs.existsSync(fault + '/cut');
if (!armed) {
  spawn('/usr/bin/ssh', args, { stdio: 'inherit' }).on('exit', (code) => process.exit(code ?? 255));
} else {
  const ssh = spawn('/usr/bin/ssh', args, { stdio: ['pipe', 'ignore', 'pipe'], detached: true });
  process.stdin.pipe(ssh.stdin);
  let seen = '';
  ssh.stderr.on('data', (chunk) => {
    seen += chunk.toString('latin1');
    if (!seen.includes('LAB-START-') || fs.existsSync(fault + '/cut')) return;
    fs.writeFileSync(fault + '/cut', '');
    process.stdin.unpipe(ssh.stdin);
    const holder = spawn('sleep', ['60'], { stdio: ['ignore', ssh.stdin, 'ignore'], detached: true });
    fs.writeFileSync(fault + '/pids', ssh.pid + ' ' + holder.pid);
    setTimeout(() => {
      const runs = fs.existsSync(fault + '/runs') ? fs.readFileSync(fault + '/runs', 'utf8') : '';
      fs.writeFileSync(fault + '/runs-before-retry', runs);
      process.exit(255);
    }, 1000);
  });
}
`;

/** Puts an `ssh` running `program` first on PATH, for this test only. */
function interposeSsh(program: string): string {
  dir = mkdtempSync(path.join(tmpdir(), 'lab-openssh-'));
  mkdirSync(path.join(dir, 'bin'));
  writeFileSync(path.join(dir, 'bin/ssh'), `#!${process.execPath}\n${program}`);
  chmodSync(path.join(dir, 'bin/ssh'), 0o755);
  process.env.PATH = `${path.join(dir, 'bin')}:${savedPath}`;
  process.env.LAB_TEST_FAULT_DIR = dir;
  return dir;
}

describe('a connection cut after the host printed the start marker, before the runner saw it', () => {
  it.each([
    ['as the login user', false],
    ['as root through sudo', true],
  ])('%s: the step has not run when the runner retries, and runs exactly once in all', async (_, root) => {
    const faultDir = interposeSsh(CUT_AFTER_START);
    const transport = createOpenSshTransport({ inventory: inventory(), stateDir: path.join(faultDir, 'state'), retryDelaysMs: [10] });
    try {
      const result = await transport.run({
        host: 'node-0',
        script: `set -euo pipefail\necho run >> ${faultDir}/runs\n`,
        env: {},
        root,
        timeoutMs: 30_000,
        signal: new AbortController().signal,
        scratchDir: faultDir,
      });
      expect(existsSync(path.join(faultDir, 'cut'))).toBe(true);
      expect(readFileSync(path.join(faultDir, 'runs-before-retry'), 'utf8')).toBe('');
      expect(result).toMatchObject({ exitCode: 0, connectionLost: false });
      expect(readFileSync(path.join(faultDir, 'runs'), 'utf8')).toBe('run\n');
    } finally {
      await transport.close();
    }
  });
});

describe('a connection left half-open after the host printed the start marker', () => {
  it('the first session never runs the step, even with no end of input, and the retry runs it once', async () => {
    const faultDir = interposeSsh(HALF_OPEN_AFTER_START);
    const transport = createOpenSshTransport({ inventory: inventory(), stateDir: path.join(faultDir, 'state'), retryDelaysMs: [10] });
    const leftBehind = () =>
      existsSync(path.join(faultDir, 'pids')) ? readFileSync(path.join(faultDir, 'pids'), 'utf8').split(' ').map(Number) : [];
    try {
      const result = await transport.run({
        host: 'node-0',
        script: `set -euo pipefail\necho run >> ${faultDir}/runs\n`,
        env: {},
        root: false,
        timeoutMs: 30_000,
        signal: new AbortController().signal,
        scratchDir: faultDir,
      });
      expect(readFileSync(path.join(faultDir, 'runs-before-retry'), 'utf8')).toBe('');
      expect(result).toMatchObject({ exitCode: 0, connectionLost: false });
      // The half-open session still waits for a go-ahead that never comes.
      await sleep(500);
      expect(leftBehind().every((pid) => existsSync(`/proc/${pid}`))).toBe(true);
      expect(readFileSync(path.join(faultDir, 'runs'), 'utf8')).toBe('run\n');
    } finally {
      for (const pid of leftBehind()) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone already.
        }
      }
      await transport.close();
    }
  });
});

describe('Ctrl-C while the connection to the host opens', () => {
  it('ends the step at once, interrupted and never started, and close() stops the ssh still connecting', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'lab-openssh-'));
    // A host that accepts TCP and never speaks SSH: ssh waits in its handshake for 15 s.
    let connections = 0;
    let opened!: () => void;
    const connected = new Promise<void>((resolve) => (opened = resolve));
    const silent = net.createServer((socket) => {
      connections++;
      socket.on('close', () => connections--);
      socket.on('error', () => {});
      socket.resume();
      opened();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const stateDir = path.join(dir, 'state');
    const transport = createOpenSshTransport({ inventory: inventory({ address: '127.0.0.1', port }), stateDir, retryDelaysMs: [10] });
    try {
      const ctrlC = new AbortController();
      const attempt = transport.run({
        host: 'node-0',
        script: `touch ${dir}/ran\n`,
        env: {},
        root: false,
        timeoutMs: 30_000,
        signal: ctrlC.signal,
        scratchDir: dir,
      });
      await connected;
      const interrupted = Date.now();
      ctrlC.abort();
      const result = await attempt;
      expect(Date.now() - interrupted).toBeLessThan(1000);
      expect(result).toMatchObject({ interrupted: true, connectionLost: false, stderr: '' });
      await transport.close();
      for (let i = 0; i < 20 && connections > 0; i++) await sleep(50);
      expect(connections).toBe(0);
      expect(processesMatching(`ssh -F ${stateDir}`)).toEqual([]);
      expect(existsSync(path.join(dir, 'ran'))).toBe(false);
    } finally {
      await transport.close();
      silent.close();
    }
  });
});

describe('close()', () => {
  it('does not wait for a host still being looked up or prepared (gcloud), and starts no master for it after', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'lab-openssh-'));
    let prepared!: () => void;
    const preparing = new Promise<void>((resolve) => (prepared = resolve));
    const transport = createOpenSshTransport({
      inventory: {
        ...inventory(),
        resolve: async (name) => ({ ...(await inventory().resolve(name)), instance: { name, id: '1', zone: 'z', project: 'p' } }),
      },
      stateDir: path.join(dir, 'state'),
      prepare: () => preparing,
    });
    transport.connect?.(['node-0']);
    const closing = Date.now();
    await transport.close();
    expect(Date.now() - closing).toBeLessThan(1000);
    prepared();
    await sleep(300);
    expect(processesMatching(`ssh -F ${path.join(dir, 'state')}`)).toEqual([]);
  });
});
