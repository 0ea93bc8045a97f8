/**
 * Plain OpenSSH with a config file the runner writes: one ControlMaster per host, started
 * explicitly the first time a step needs that host, kept in the foreground (a child of the
 * runner that the watchdog stops if the runner dies) and closed at the end of the run; each step
 * is a multiplexed session with its script on stdin (see remote-script.ts).
 */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { forgetGroup, watchGroup } from '../watchdog.js';
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
  let socketDir: string | undefined;
  const sshDir = path.join(options.stateDir, 'ssh');
  const configFile = path.join(sshDir, 'config');
  const entries = new Map<string, string>();
  const masters = new Map<string, Promise<Master>>();
  /** Aborted by close(): a master still connecting then is stopped, and none starts after it. */
  const closing = new AbortController();

  const writeConfig = () => {
    mkdirSync(sshDir, { recursive: true, mode: 0o700 });
    writeFileSync(configFile, [...entries.values()].join('\n'), { mode: 0o600 });
  };

  const ensureMaster = (host: string): Promise<Master> => {
    let master = masters.get(host);
    if (!master) {
      master = (async () => {
        // close() does not wait for gcloud (finding the instance, placing the key): no master
        // starts after it anyway.
        const address = await untilAborted(
          options.inventory.resolve(host).then(async (found) => {
            if (found.instance) await options.prepare?.(found);
            return found;
          }),
          closing.signal,
        );
        socketDir ??= createSocketDir();
        entries.set(host, hostEntry(address, socketDir, sshDir));
        writeConfig();
        return startMaster(host, configFile, controlPath(socketDir, host), path.join(sshDir, `${host}.log`), closing.signal);
      })();
      // A failed start, or a master that ended (its host rebooted, say), is started again by the
      // next step that needs it.
      const forget = () => masters.get(host) === started && masters.delete(host);
      const started = master;
      started.then((running) => running.exited.then(forget), forget);
      masters.set(host, started);
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
        const failure = await untilAborted(ensureMaster(request.host), request.signal).then(
          () => undefined,
          (error: Error) => error,
        );
        // Ctrl-C while the master connects: the step never started. The master is the run's (a
        // cleanup step may use it); close() stops it if it is still connecting then.
        if (request.signal.aborted) return NOT_STARTED;
        // A host the inventory cannot place is no connection problem: retrying will not help.
        if (failure instanceof InventoryError)
          return { ...connectionFailure(request.host, failure.message), connectionLost: false, error: failure.message };
        if (failure) return connectionFailure(request.host, failure.message);
        return runRemoteScript('ssh', ['-F', configFile, '-T', request.host, remoteCommand(request.root)], request);
      });
    },
    async close() {
      closing.abort();
      const started = await Promise.allSettled(masters.values());
      masters.clear();
      await Promise.all(started.map((master) => (master.status === 'fulfilled' ? master.value.stop() : undefined)));
      if (socketDir) rmSync(socketDir, { recursive: true, force: true });
    },
  };
}

/** Settles with `promise`, or rejects as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('interrupted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('interrupted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Ctrl-C before the step could start. */
const NOT_STARTED: RemoteAttempt = {
  exitCode: -1,
  stdout: '',
  stderr: '',
  timedOut: false,
  interrupted: true,
  connectionLost: false,
  started: false,
};

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

/** A host's ControlMaster, running for the whole run. */
interface Master {
  /** Ends it (SIGTERM: ssh closes the connection and removes its socket) and waits until it has. */
  stop(): Promise<void>;
  /** Settles when it has ended, whyever. */
  exited: Promise<unknown>;
}

/**
 * Starts a host's master in the foreground, in a process group of its own that the watchdog knows
 * from its first moment to its last, so no master outlives the runner however it ends (one sent
 * to the background with -f is a new session the runner learns of only afterwards). It is ready
 * when its control socket appears: ssh makes it under a temporary name and renames it, so the
 * socket is complete, and only after the login succeeded. No pipes at all (errors go to -E's
 * file): a master holding the runner's pipes would keep it waiting for them (k0sproject/rig#405).
 */
function startMaster(host: string, configFile: string, socket: string, logFile: string, signal: AbortSignal): Promise<Master> {
  rmSync(logFile, { force: true });
  // That of a master that ended: ssh would not replace it, and the new one would never be ready.
  rmSync(socket, { force: true });
  if (signal.aborted) return Promise.reject(new Error('the run is ending'));
  const child = spawn('ssh', ['-F', configFile, '-o', 'ControlMaster=yes', '-N', '-E', logFile, host], { stdio: 'ignore', detached: true });
  // The master never keeps the runner alive: close() or the watchdog ends it.
  child.unref();
  const pid = child.pid;
  if (pid !== undefined) watchGroup(pid);
  const signalGroup = (name: NodeJS.Signals) => {
    try {
      process.kill(-pid!, name);
    } catch {
      // Gone already.
    }
  };
  const exited = new Promise<string>((resolve) => {
    child.on('error', (error) => resolve(`could not be started: ${error.message}`));
    child.on('exit', (code, killedBy) => resolve(code === null ? `was stopped by ${killedBy}` : `exited with status ${code}`));
  });
  void exited.then(() => pid !== undefined && forgetGroup(pid));
  const stop = () => signalGroup('SIGTERM');
  signal.addEventListener('abort', stop, { once: true });
  const master: Master = {
    exited,
    async stop() {
      stop();
      const kill = setTimeout(() => signalGroup('SIGKILL'), 2000);
      await exited;
      clearTimeout(kill);
    },
  };
  return new Promise<Master>((resolve, reject) => {
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearInterval(poll);
      clearTimeout(timeout);
      signal.removeEventListener('abort', stop);
      if (error) reject(error);
      else resolve(master);
    };
    const poll = setInterval(() => {
      if (existsSync(socket)) settle();
    }, MASTER_POLL_MS);
    const timeout = setTimeout(stop, MASTER_TIMEOUT_MS);
    void exited.then((why) => settle(new Error(readLog(logFile) || `ssh ${why}`)));
  });
}

/** How often a starting master's socket is looked for, and how long it may take to appear. */
const MASTER_POLL_MS = 10;
const MASTER_TIMEOUT_MS = 60_000;

function readLog(logFile: string): string {
  try {
    return readFileSync(logFile, 'utf8').trim();
  } catch {
    return ''; // No log: the caller's message is all there is.
  }
}

/** Host names are lowercase letters, digits and - (book.yaml), so each makes a safe file name. */
function controlPath(socketDir: string, host: string): string {
  return path.join(socketDir, host);
}

/**
 * The folder of the control sockets: whoever can reach a socket can run commands on the host and
 * read what steps print. A fresh folder of our own each run (mkdtemp: 0700, random name, so no
 * other user can make it first), checked all the same. Under /tmp, not $TMPDIR: a socket path
 * must fit in 104 bytes on macOS, whose $TMPDIR alone is about 50.
 */
export function createSocketDir(parent = '/tmp'): string {
  const dir = mkdtempSync(path.join(parent, 'lab-'));
  const stat = lstatSync(dir);
  if (!stat.isDirectory() || stat.uid !== process.getuid?.() || (stat.mode & 0o777) !== 0o700) {
    throw new Error(
      `${dir} is not a private folder of this user (mode ${(stat.mode & 0o777).toString(8)}); refusing to put ssh control sockets there`,
    );
  }
  return dir;
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
    `  ControlPath ${controlPath(socketDir, address.host)}`,
    '  ControlMaster no',
    '  BatchMode yes',
    '  ConnectTimeout 15',
    '  ServerAliveInterval 15',
    '  ServerAliveCountMax 3',
    '  LogLevel ERROR',
  ];
  return `${lines.join('\n')}\n`;
}
