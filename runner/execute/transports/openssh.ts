/**
 * Plain OpenSSH with a config file the runner writes: one ControlMaster per host, started
 * explicitly the first time a step needs that host and closed at the end of the run; each step
 * is a multiplexed session with its script on stdin (see remote-script.ts).
 */
import { spawn } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTool } from '../run-tool.js';
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
  const masters = new Map<string, Promise<void>>();
  /** Each master's pid, to stop it if the runner dies. */
  const masterPids = new Map<string, number>();
  /** Aborted by close(): a master still connecting then is stopped, and none starts after it. */
  const closing = new AbortController();

  const writeConfig = () => {
    mkdirSync(sshDir, { recursive: true, mode: 0o700 });
    writeFileSync(configFile, [...entries.values()].join('\n'), { mode: 0o600 });
  };

  const ensureMaster = (host: string): Promise<void> => {
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
        await startMaster(host, configFile, path.join(sshDir, `${host}.log`), closing.signal);
        const pid = await findMasterPid(host, configFile);
        if (pid !== undefined) {
          masterPids.set(host, pid);
          watchGroup(pid);
        }
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
      await Promise.allSettled(masters.values());
      await Promise.all(
        [...masters.keys()].map((host) => runTool('ssh', ['-F', configFile, '-O', 'exit', host], { stdio: 'ignore', timeout: 5000 })),
      );
      masters.clear();
      for (const pid of masterPids.values()) forgetGroup(pid);
      masterPids.clear();
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

async function startMaster(host: string, configFile: string, logFile: string, signal: AbortSignal): Promise<void> {
  rmSync(logFile, { force: true });
  // -f: go to the background (a session of its own) once connected. No pipes at all (errors go to
  // -E's file): the backgrounded master would hold them open, and a wait for them to close
  // (k0sproject/rig#405).
  const ended = await runWatched(
    'ssh',
    // ControlPersist bounded: a master the runner could not close goes by itself once idle.
    ['-F', configFile, '-o', 'ControlMaster=yes', '-o', `ControlPersist=${CONTROL_PERSIST}`, '-fN', '-E', logFile, host],
    signal,
    60_000,
  );
  if (ended !== 0) {
    let log = '';
    try {
      log = readFileSync(logFile, 'utf8').trim();
    } catch {
      // No log: the message below is all there is.
    }
    throw new Error(log || (typeof ended === 'number' ? `ssh exited with status ${ended}` : `ssh ${ended}`));
  }
}

/**
 * Runs a command with no pipes, in a process group of its own that the watchdog stops if the
 * runner dies (an ssh still connecting would otherwise connect and stay); stopped on `signal` or
 * after `timeoutMs`. Its exit status, or why it has none.
 */
function runWatched(command: string, args: readonly string[], signal: AbortSignal, timeoutMs: number): Promise<number | string> {
  if (signal.aborted) return Promise.resolve('was not started: the run is ending');
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    const pid = child.pid;
    if (pid !== undefined) watchGroup(pid);
    const stop = () => {
      try {
        process.kill(-pid!, 'SIGTERM');
      } catch {
        // Gone already.
      }
    };
    const timer = setTimeout(stop, timeoutMs);
    signal.addEventListener('abort', stop, { once: true });
    const finish = (ended: number | string) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', stop);
      if (pid !== undefined) forgetGroup(pid);
      resolve(ended);
    };
    child.on('error', (error) => finish(`could not be started: ${error.message}`));
    child.on('exit', (code, killedBy) => finish(code ?? `was stopped by ${killedBy}`));
  });
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

/** `ssh -O check` says `Master running (pid=N)`. */
async function findMasterPid(host: string, configFile: string): Promise<number | undefined> {
  const result = await runTool('ssh', ['-F', configFile, '-O', 'check', host], { stdin: 'ignore', timeout: 5000 });
  const pid = /\(pid=(\d+)\)/.exec(result.stderr)?.[1];
  return pid === undefined ? undefined : Number(pid);
}

/** How long a master may stay idle (no step on its host) before it exits by itself. */
const CONTROL_PERSIST = '30m';

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
