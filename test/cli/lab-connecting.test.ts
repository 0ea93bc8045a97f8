/**
 * Ctrl-C while the runner is still opening a host's connection, through the real CLI: the host
 * answers TCP but never speaks SSH, so ssh hangs in its handshake as it does with a host that is
 * still booting or a firewall that swallows packets.
 */
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type Workspace } from '../helpers/lab.js';
import { processesMatching } from '../helpers/processes.js';
import { startSshHosts, type SshHosts } from '../helpers/ssh-hosts.js';

let fleet: SshHosts;
beforeAll(async () => {
  fleet = await startSshHosts(['node-0']);
});
afterAll(() => {
  fleet?.stopAll();
  if (fleet) rmSync(fleet.dir, { recursive: true, force: true });
});
const workspaces: string[] = [];
afterEach(() => {
  for (const dir of workspaces.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A server that accepts connections and never says a word; `connected` resolves on the first. */
async function startSilentHost() {
  const sockets = new Set<net.Socket>();
  let connected!: () => void;
  const firstConnection = new Promise<void>((resolve) => (connected = resolve));
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    // Read (and drop) what ssh sends, or the end of the stream is never seen.
    socket.resume();
    connected();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    firstConnection,
    /** Connections ssh still holds open. */
    open: () => sockets.size,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

function oneStepWorkspace(): Workspace {
  const workspace = createWorkspace('fleet');
  workspaces.push(workspace.dir);
  workspace.write(
    'docs/book.yaml',
    'title: Connecting\nchapters:\n  - 01-fleet.md\nhosts:\n  nodes: [node-0]\nvars:\n  LAB_OUT: /nonexistent\n',
  );
  workspace.write('docs/01-fleet.md', '# One step\n\n```sh {sh on=node-0 id=greet}\necho ran >> "$LAB_OUT/ran"\n```\n');
  return workspace;
}

describe('Ctrl-C while a host connection opens', () => {
  it('exits 130 at once, leaves no ssh behind, records nothing for the step, and the next run starts it', async () => {
    const silent = await startSilentHost();
    try {
      const workspace = oneStepWorkspace();
      const inventory = path.join(workspace.dir, 'hosts.yaml');
      fleet.writeInventory(inventory, { 'node-0': { address: '127.0.0.1', port: silent.port } });
      const run = workspace.start(['run', 'chapter-1', '--inventory', 'hosts.yaml']);
      await silent.firstConnection;
      await sleep(300);
      const interrupted = Date.now();
      run.kill('SIGINT');
      const result = await run;
      // ssh itself would give up only after its ConnectTimeout (15 s).
      expect(Date.now() - interrupted).toBeLessThan(5000);
      expect(result.exitCode, String(result.stdout)).toBe(130);
      expect(String(result.stdout)).toContain('■ greet');
      expect(String(result.stdout)).not.toContain('✖');
      expect(processesMatching(`ssh -F ${workspace.dir}`)).toEqual([]);
      // The server hears of the closed connection a moment after ssh is gone.
      for (let i = 0; i < 20 && silent.open() > 0; i++) await sleep(50);
      expect(silent.open()).toBe(0);

      const status = JSON.parse((await workspace.lab(['status', '--json'])).stdout);
      expect(status).toMatchObject({ lastFailure: null, next: { chapter: 'chapter-1' } });
      expect(JSON.parse(workspace.read('.lab/state.json')).steps.greet).toBeUndefined();

      fleet.writeInventory(inventory);
      const again = await workspace.lab(['run', 'chapter-1', '--inventory', 'hosts.yaml']);
      expect(again.exitCode, again.stdout).toBe(0);
      expect(again.stdout).toContain('✔ greet');
      expect(workspace.read('ran')).toBe('ran\n');
    } finally {
      silent.close();
    }
  });
});

describe('SIGKILL while a host connection opens', () => {
  it('takes the ssh that is still connecting with the runner', async () => {
    const silent = await startSilentHost();
    try {
      const workspace = oneStepWorkspace();
      fleet.writeInventory(path.join(workspace.dir, 'hosts.yaml'), { 'node-0': { address: '127.0.0.1', port: silent.port } });
      const run = workspace.start(['run', 'chapter-1', '--inventory', 'hosts.yaml']);
      await silent.firstConnection;
      await sleep(300);
      run.kill('SIGKILL');
      await run;
      // The runner's watchdog stops what it left within its 2 s grace; ssh alone would wait 15 s.
      for (let i = 0; i < 60 && silent.open() > 0; i++) await sleep(100);
      expect(silent.open()).toBe(0);
      expect(processesMatching(`ssh -F ${workspace.dir}`)).toEqual([]);
    } finally {
      silent.close();
    }
  });
});

describe('SIGKILL the moment a host has connected', () => {
  it('leaves no ssh master behind, however slow the runner is to learn of it', async () => {
    const workspace = oneStepWorkspace();
    workspace.write('docs/01-fleet.md', '# One step\n\n```sh {sh on=node-0 id=greet}\necho ran >> "$LAB_OUT/ran"; sleep 30\n```\n');
    fleet.writeInventory(path.join(workspace.dir, 'hosts.yaml'));
    // An ssh whose control commands (ssh -O ...) are slow: they say when they start, then wait.
    const bin = path.join(workspace.dir, 'bin');
    mkdirSync(bin);
    writeFileSync(
      path.join(bin, 'ssh'),
      `#!/bin/bash\ncase " $* " in *" -O "*) touch "${workspace.dir}/asked"; sleep 3 ;; esac\nexec /usr/bin/ssh "$@"\n`,
    );
    chmodSync(path.join(bin, 'ssh'), 0o755);
    const run = workspace.start(['run', 'chapter-1', '--inventory', 'hosts.yaml'], { PATH: `${bin}:${process.env.PATH}` });
    for (let i = 0; i < 200 && !existsSync(path.join(workspace.dir, 'asked')) && !existsSync(path.join(workspace.dir, 'ran')); i++) {
      await sleep(25);
    }
    expect(processesMatching(`ssh -F ${workspace.dir}`).length).toBeGreaterThan(0);
    run.kill('SIGKILL');
    await run;
    for (let i = 0; i < 60 && processesMatching(`ssh -F ${workspace.dir}`).length > 0; i++) await sleep(100);
    expect(processesMatching(`ssh -F ${workspace.dir}`)).toEqual([]);
  });
});
