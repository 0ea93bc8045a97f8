/**
 * Real OpenSSH servers on loopback addresses (127.0.0.2, 127.0.0.3, ...), one per book host, with
 * keys made for the occasion, and the hosts file (`--inventory`) that points the runner at them.
 * Needs /usr/sbin/sshd (openssh-server) and root, as CI has.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface SshHost {
  name: string;
  address: string;
  port: number;
}

export interface SshHosts {
  dir: string;
  hosts: SshHost[];
  /** A hosts file naming every host; `overrides` moves some (to an address with no server, say). */
  writeInventory(file: string, overrides?: Record<string, Partial<SshHost>>): void;
  /** Kills a host's server and every connection it has, as a crashed machine would. */
  stop(name: string): void;
  start(name: string): Promise<void>;
  stopAll(): void;
}

const SSHD = '/usr/sbin/sshd';

export interface SshHostsOptions {
  /** Defaults to a free port; GCE's instances answer on 22. */
  port?: number;
  /** The last byte of the first address: 2 gives 127.0.0.2, 127.0.0.3, ... */
  firstAddress?: number;
  /** Who the runner logs in as (default root). */
  user?: string;
}

export async function startSshHosts(names: string[], options: SshHostsOptions = {}): Promise<SshHosts> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lab-sshd-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_key')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'client_key')]);
  execFileSync('cp', [path.join(dir, 'client_key.pub'), path.join(dir, 'authorized_keys')]);
  // sshd reads the keys file as the user logging in.
  chmodSync(dir, 0o755);
  chmodSync(path.join(dir, 'authorized_keys'), 0o644);
  const port = options.port ?? (await findFreePort());
  const hosts = names.map((name, index) => ({ name, address: `127.0.0.${index + (options.firstAddress ?? 2)}`, port }));
  const servers = new Map<string, ChildProcess>();

  const start = async (host: SshHost) => {
    const config = path.join(dir, `sshd-${host.name}.conf`);
    writeFileSync(
      config,
      [
        `ListenAddress ${host.address}:${host.port}`,
        `HostKey ${path.join(dir, 'host_key')}`,
        `PidFile ${path.join(dir, `sshd-${host.name}.pid`)}`,
        `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
        'StrictModes no',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'PermitRootLogin prohibit-password',
        'MaxSessions 100',
        'MaxStartups 100',
        'LogLevel ERROR',
        '',
      ].join('\n'),
    );
    // sshd wants its privilege-separation directory.
    execFileSync('mkdir', ['-p', '/run/sshd']);
    const server = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: 'ignore', detached: true });
    servers.set(host.name, server);
    await waitForPort(host.address, host.port);
  };

  const stop = (name: string) => {
    const server = servers.get(name);
    if (!server?.pid) return;
    killTree(server.pid);
    servers.delete(name);
  };

  await Promise.all(hosts.map(start));
  return {
    dir,
    hosts,
    writeInventory(file, overrides = {}) {
      const lines = hosts.map((host) => {
        const entry = { ...host, ...overrides[host.name] };
        return `  ${host.name}: { address: ${entry.address}, port: ${entry.port}, user: ${options.user ?? 'root'}, identity: ${path.join(dir, 'client_key')} }`;
      });
      writeFileSync(file, `hosts:\n${lines.join('\n')}\n`);
    },
    stop,
    async start(name) {
      await start(hosts.find((host) => host.name === name)!);
    },
    stopAll() {
      for (const name of [...servers.keys()]) stop(name);
    },
  };
}

/** The server, its per-connection processes and their children (the remote shells too). */
function killTree(pid: number): void {
  let children: number[] = [];
  try {
    children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter(Boolean);
  } catch {
    // No children.
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
  for (const child of children) killTree(child);
}

async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(address: string, port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, address, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(50);
  }
  throw new Error(`sshd on ${address}:${port} did not start`);
}
