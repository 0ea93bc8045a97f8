/**
 * Plain OpenSSH with a config file the runner writes: one ControlMaster per host, started
 * explicitly the first time a step needs that host and closed at the end of the run; each step
 * is a multiplexed session with its script on stdin (see remote-script.ts).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { InventoryError, type HostAddress, type Inventory } from '../inventories/inventory.js';
import { spawnTree } from '../spawn-tree.js';
import type { ScriptRequest, ScriptResult, Transport } from '../transport.js';
import { readRemoteOutcome, remoteCommand, stripMarkers, wrapRemoteScript } from './remote-script.js';

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
    async run(request: ScriptRequest): Promise<ScriptResult> {
      const delays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
      for (let attempt = 0; ; attempt++) {
        const failure = await ensureMaster(request.host).then(
          () => undefined,
          (error: Error) => error,
        );
        // A host the inventory cannot place is no connection problem: retrying will not help.
        if (failure instanceof InventoryError)
          return withoutStart({ ...connectionFailure(request.host, failure.message), connectionLost: false, error: failure.message });
        const result = failure ? connectionFailure(request.host, failure.message) : await runOnce(request, configFile);
        const retryable = result.connectionLost && !result.started;
        if (!retryable || attempt >= delays.length || request.signal.aborted) return withoutStart(result);
        try {
          await sleep(delays[attempt]!, undefined, { signal: request.signal });
        } catch {
          return withoutStart({ ...result, interrupted: true });
        }
      }
    },
    async close() {
      await Promise.all(
        [...masters.keys()].map((host) =>
          spawnTree('ssh', ['-F', configFile, '-O', 'exit', host], { timeoutMs: 5000 }).catch(() => undefined),
        ),
      );
      masters.clear();
      rmSync(socketDir, { recursive: true, force: true });
    },
  };
}

interface AttemptResult extends ScriptResult {
  started: boolean;
}

function withoutStart({ started: _started, ...result }: AttemptResult): ScriptResult {
  return result;
}

function connectionFailure(host: string, message: string): AttemptResult {
  return {
    exitCode: 255,
    stdout: '',
    stderr: `Could not connect to ${host}: ${message}\n`,
    timedOut: false,
    interrupted: false,
    connectionLost: true,
    started: false,
  };
}

async function runOnce(request: ScriptRequest, configFile: string): Promise<AttemptResult> {
  const result = await spawnTree('ssh', ['-F', configFile, '-T', request.host, remoteCommand(request.root)], {
    input: wrapRemoteScript(request.script, request.env),
    keepStdinOpen: true,
    timeoutMs: request.timeoutMs,
    signal: request.signal,
    ...(request.onOutput
      ? {
          onOutput: (stream: 'stdout' | 'stderr', text: string) =>
            request.onOutput!(stream, stream === 'stderr' ? stripMarkers(text) : text),
        }
      : {}),
  });
  const outcome = readRemoteOutcome(result.exitCode, result.stderr);
  const lost = !outcome.finished && result.exitCode === 255 && !result.timedOut && !result.interrupted;
  return {
    exitCode: outcome.exitCode,
    stdout: result.stdout,
    stderr: lost
      ? `${outcome.stderr}${outcome.started ? `The connection to ${request.host} was lost during the step.` : `Could not connect to ${request.host}.`}\n`
      : outcome.stderr,
    timedOut: result.timedOut,
    interrupted: result.interrupted,
    connectionLost: lost,
    started: outcome.started,
  };
}

async function startMaster(host: string, configFile: string, logFile: string): Promise<void> {
  rmSync(logFile, { force: true });
  // -f: go to the background once connected; -E: errors to a file, since a backgrounded master
  // would keep a stderr pipe open.
  const result = await spawnTree(
    'ssh',
    ['-F', configFile, '-o', 'ControlMaster=yes', '-o', 'ControlPersist=yes', '-fN', '-E', logFile, host],
    {
      timeoutMs: 60_000,
    },
  );
  if (result.exitCode !== 0) {
    let log = '';
    try {
      log = readFileSync(logFile, 'utf8').trim();
    } catch {
      // No log: the message below is all there is.
    }
    throw new Error(log || `ssh exited with status ${result.exitCode}`);
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
