/**
 * Plain OpenSSH with a config file the runner writes: one ControlMaster per host, started
 * explicitly the first time a step needs that host and closed at the end of the run; each step
 * is a multiplexed session with its script on stdin (see remote-script.ts).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTool } from '../run-tool.js';
import { InventoryError, type HostAddress, type Inventory } from '../inventories/inventory.js';
import type { ScriptRequest, ScriptResult, Transport } from '../transport.js';
import { remoteCommand, retryUntilStarted, runRemoteScript, type RemoteAttempt } from './remote-script.js';

export interface OpenSshOptions {
  inventory: Inventory;
  /** Where the config, control sockets and master logs live. */
  stateDir: string;
  /** Called once before the first connection to a GCE instance (gcloud puts the key in place). */
  prepare?: (address: HostAddress) => Promise<void>;
  /** Backoff schedule for connections that fail before a step starts (Ansible-like). */
  retryDelaysMs?: readonly number[];
}

export const DEFAULT_RETRY_DELAYS_MS = [1000, 2000, 4000] as const;

export function createOpenSshTransport(options: OpenSshOptions): Transport {
  // Control sockets must fit in a Unix socket path (about 100 bytes), so they live under /tmp.
  const socketDir = path.join(
    os.tmpdir(),
    `lab-ssh-${createHash('sha256').update(path.resolve(options.stateDir)).digest('hex').slice(0, 12)}`,
  );
  const sshDir = path.join(options.stateDir, 'ssh');
  const configFile = path.join(sshDir, 'config');
  const entries = new Map<string, string>();
  const masters = new Map<string, Promise<void>>();

  const writeConfig = () => {
    mkdirSync(sshDir, { recursive: true, mode: 0o700 });
    mkdirSync(socketDir, { recursive: true, mode: 0o700 });
    writeFileSync(configFile, [...entries.values()].join('\n'), { mode: 0o600 });
  };

  const ensureMaster = (host: string): Promise<void> => {
    let master = masters.get(host);
    if (!master) {
      master = (async () => {
        const address = await options.inventory.resolve(host);
        if (address.instance) await options.prepare?.(address);
        entries.set(host, hostEntry(address, socketDir, sshDir));
        writeConfig();
        await startMaster(host, configFile, path.join(sshDir, `${host}.log`));
      })();
      // A failed start is tried again by the next step, not remembered.
      master.catch(() => masters.delete(host));
      masters.set(host, master);
    }
    return master;
  };

  return {
    connect(hosts) {
      // A failure here is not reported: the step that needs the host retries and says why.
      if (options.inventory.knownUpFront) for (const host of hosts) ensureMaster(host).catch(() => undefined);
    },
    run(request: ScriptRequest): Promise<ScriptResult> {
      return retryUntilStarted(request, options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS, async () => {
        const failure = await ensureMaster(request.host).then(
          () => undefined,
          (error: Error) => error,
        );
        // A host the inventory cannot place is no connection problem: retrying will not help.
        if (failure instanceof InventoryError)
          return { ...connectionFailure(request.host, failure.message), connectionLost: false, error: failure.message };
        if (failure) return connectionFailure(request.host, failure.message);
        return runRemoteScript('ssh', ['-F', configFile, '-T', request.host, remoteCommand(request.root)], request);
      });
    },
    async close() {
      await Promise.all(
        [...masters.keys()].map((host) => runTool('ssh', ['-F', configFile, '-O', 'exit', host], { stdio: 'ignore', timeout: 5000 })),
      );
      masters.clear();
      rmSync(socketDir, { recursive: true, force: true });
    },
  };
}

function connectionFailure(host: string, message: string): RemoteAttempt {
  return {
    exitCode: 255,
    stdout: '',
    stderr: `Could not connect to ${host}: ${message}\n`,
    timedOut: false,
    interrupted: false,
    connectionLost: 'before-start',
    started: false,
  };
}

async function startMaster(host: string, configFile: string, logFile: string): Promise<void> {
  rmSync(logFile, { force: true });
  // -f: go to the background once connected. No pipes at all (errors go to -E's file): the
  // backgrounded master would hold them open, and a wait for them to close (k0sproject/rig#405).
  const result = await runTool(
    'ssh',
    ['-F', configFile, '-o', 'ControlMaster=yes', '-o', 'ControlPersist=yes', '-fN', '-E', logFile, host],
    {
      stdio: 'ignore',
      timeout: 60_000,
    },
  );
  if (result.exitCode !== 0) {
    let log = '';
    try {
      log = readFileSync(logFile, 'utf8').trim();
    } catch {
      // No log: the message below is all there is.
    }
    throw new Error(log || `ssh exited with status ${result.exitCode ?? result.signal}`);
  }
}

function hostEntry(address: HostAddress, socketDir: string, sshDir: string): string {
  const lines = [
    `Host ${address.host}`,
    `  HostName ${address.address}`,
    ...(address.port ? [`  Port ${address.port}`] : []),
    ...(address.user ? [`  User ${address.user}`] : []),
    ...(address.identity ? [`  IdentityFile ${address.identity}`, '  IdentitiesOnly yes'] : []),
    ...(address.instance
      ? // gcloud's own known_hosts and alias, so keys it has seen are trusted and new ones learned.
        [
          `  HostKeyAlias compute.${address.instance.id}`,
          `  UserKnownHostsFile ${path.join(os.homedir(), '.ssh', 'google_compute_known_hosts')}`,
        ]
      : [`  UserKnownHostsFile ${path.join(sshDir, 'known_hosts')}`]),
    '  StrictHostKeyChecking accept-new',
    `  ControlPath ${path.join(socketDir, '%C')}`,
    '  ControlMaster no',
    '  BatchMode yes',
    '  ConnectTimeout 15',
    '  ServerAliveInterval 15',
    '  ServerAliveCountMax 3',
    '  LogLevel ERROR',
  ];
  return `${lines.join('\n')}\n`;
}
