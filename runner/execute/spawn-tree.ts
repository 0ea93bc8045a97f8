/**
 * Spawns a command in its own process group and gathers its output, so a timeout or Ctrl-C can
 * stop the whole tree it starts (a `sleep` under bash, kubectl under a pipeline), not just bash.
 */
import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { BoundedText } from './bounded-text.js';
import { forgetGroup, watchGroup } from './watchdog.js';

export interface SpawnTreeOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to stdin, which is then closed; stdin is /dev/null when absent. */
  input?: string;
  /**
   * Leave stdin open after the input until the command exits: over ssh, the remote side learns
   * that the runner went away (Ctrl-C, a crash) when this pipe closes.
   */
  keepStdinOpen?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
  /** Answers output as it arrives: what it returns is written to stdin (kept open), as a reply. */
  reply?: (stream: 'stdout' | 'stderr', text: string) => string | undefined;
  /** Output beyond the head and tail the result keeps. */
  onOmitted?: (stream: 'stdout' | 'stderr', text: string) => void;
  /** Between SIGTERM and SIGKILL. */
  killGraceMs?: number;
}

export interface SpawnTreeResult {
  exitCode: number;
  /** The signal that ended the process, if one did. */
  signal?: NodeJS.Signals;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  interrupted: boolean;
  /** Characters of output kept out of stdout and stderr. */
  omitted: number;
  /** spawn itself failed (command not found, ...). */
  spawnError?: Error;
}

/** How long output may keep flowing after the command exits. */
const LINGER_MS = 500;

export function spawnTree(command: string, args: readonly string[], options: SpawnTreeOptions = {}): Promise<SpawnTreeResult> {
  return new Promise((resolve) => {
    const keep = (stream: 'stdout' | 'stderr') =>
      new BoundedText(options.onOmitted && ((text: string) => options.onOmitted!(stream, text)));
    const stdout = keep('stdout');
    const stderr = keep('stderr');
    let timedOut = false;
    let interrupted = false;
    let killTimer: NodeJS.Timeout | undefined;

    if (options.signal?.aborted) {
      resolve({ exitCode: -1, stdout: '', stderr: '', timedOut: false, interrupted: true, omitted: 0 });
      return;
    }

    const child = spawn(command, args, {
      env: options.env,
      cwd: options.cwd,
      detached: true,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });

    // Whatever happens to the runner, this group does not outlive it.
    if (child.pid !== undefined) watchGroup(child.pid);
    const stopTree = () => {
      signalGroup(child.pid, 'SIGTERM');
      killTimer ??= setTimeout(() => signalGroup(child.pid, 'SIGKILL'), options.killGraceMs ?? 2000);
    };
    const onAbort = () => {
      interrupted = true;
      stopTree();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timeout =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            stopTree();
          }, options.timeoutMs);

    const collect = (kept: BoundedText, stream: 'stdout' | 'stderr') => {
      // A multi-byte character may be split across chunks.
      const decoder = new StringDecoder('utf8');
      return (chunk: Buffer) => {
        const text = decoder.write(chunk);
        kept.push(text);
        options.onOutput?.(stream, text);
        const answer = options.reply?.(stream, text);
        if (answer !== undefined && !child.stdin?.destroyed) child.stdin?.write(answer);
      };
    };
    child.stdout!.on('data', collect(stdout, 'stdout'));
    child.stderr!.on('data', collect(stderr, 'stderr'));
    if (options.input !== undefined) {
      child.stdin!.on('error', () => {}); // the command may exit before reading all of it
      if (options.keepStdinOpen) child.stdin!.write(options.input);
      else child.stdin!.end(options.input);
    }

    let spawnError: Error | undefined;
    let settled = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      clearTimeout(lingerTimer);
      options.signal?.removeEventListener('abort', onAbort);
      // Anything the script left behind in its group goes too.
      if (timedOut || interrupted) signalGroup(child.pid, 'SIGKILL');
      clearTimeout(killTimer);
      if (child.pid !== undefined) forgetGroup(child.pid);
      resolve({
        exitCode: code ?? -1,
        ...(signal ? { signal } : {}),
        stdout: stdout.text(),
        stderr: stderr.text(),
        timedOut,
        interrupted,
        omitted: stdout.omitted + stderr.omitted,
        ...(spawnError ? { spawnError } : {}),
      });
    };
    // A background process the script started may hold stdout open after the script exits;
    // a step's processes end with the step, so stop them rather than wait forever.
    let lingerTimer: NodeJS.Timeout | undefined;
    child.on('exit', (code, signal) => {
      child.stdin?.destroy();
      lingerTimer = setTimeout(() => {
        signalGroup(child.pid, 'SIGKILL');
        child.stdout!.destroy();
        child.stderr!.destroy();
        finish(code, signal);
      }, LINGER_MS);
    });
    child.on('error', (error) => {
      spawnError = error;
      finish(-1, null);
    });
    child.on('close', finish);
  });
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}
