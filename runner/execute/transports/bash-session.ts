/**
 * One long-lived bash on the workstation that runs each step in a subshell of its own process
 * group. Forking a running bash is several times cheaper than Node starting a new one, which is
 * what keeps `lab run` close to the speed of running the commands by hand.
 *
 * Job control is on only while the step starts (so it gets a process group of its own), so bash
 * prints no job notices into the next step's stderr.
 *
 * Protocol, so that nothing a step prints can change a verdict or another step's result:
 * - Node writes a random nonce as the first line on the session's stdin, then a script path per
 *   line. The nonce is in no variable a step can see: the step's subshell unsets it first.
 * - fd 3 carries records only the session shell writes, one after the other: the step's process
 *   group (`\0PID n\0`, so it can be stopped), then `\0DONE status\0` once it has waited for the
 *   step and killed whatever the step left behind. The step runs with fd 3 closed.
 * - The step's exported environment (`declare -px`) is appended to the step's own script file by
 *   the step's subshell when it ends, so it never shares a channel with anything; Node takes what
 *   follows the script's length. Appending to a file that exists is far cheaper than creating and
 *   removing a file of its own per step (measured: about 0.8 ms a step on ext4).
 * - stdout and stderr each end with `\0LAB-END-<nonce>\0`, so Node knows it has every byte of the
 *   step's output; a step cannot print a marker it does not know.
 * - A watchdog reads fd 4, a pipe Node never writes: when Node dies (SIGKILL, a crash) it reads
 *   end-of-file and stops every process of the session, so no step outlives the runner. Node says
 *   `close` on it at a normal end. So the runner's own watchdog (watchdog.ts) is not told of each
 *   step: that was a message and a wake-up of another bash per step.
 */
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { BoundedText } from '../bounded-text.js';
import { forgetGroup, listGroup } from '../watchdog.js';

const SERVER = `
IFS= read -r __lab_nonce || exit 0
( trap '' INT TERM HUP
  IFS= read -r __lab_line <&4
  if [ "$__lab_line" != close ]; then pkill -TERM -s $$; sleep 2; pkill -KILL -s $$; fi
) </dev/null >/dev/null 2>&1 3>&- &
exec 4<&-
while IFS= read -r __lab_script; do
  set -m
  ( unset __lab_nonce; source "$__lab_script"; __lab_rc=$?; declare -px >> "$__lab_script"; exit "$__lab_rc" ) </dev/null 3>&- &
  __lab_pid=$!
  set +m
  printf '\\0PID %s\\0' "$__lab_pid" >&3
  wait "$__lab_pid"; __lab_status=$?
  kill -KILL -- "-$__lab_pid" 2>/dev/null
  printf '\\0LAB-END-%s\\0' "$__lab_nonce"
  printf '\\0LAB-END-%s\\0' "$__lab_nonce" >&2
  printf '\\0DONE %s\\0' "$__lab_status" >&3
done
`;

const PID = /\0PID (\d+)\0/;
const DONE = /\0DONE (\d+)\0/;

export interface SessionRunOptions {
  scriptFile: string;
  timeoutMs: number;
  signal: AbortSignal;
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
  onOmitted?: (stream: 'stdout' | 'stderr', text: string) => void;
  killGraceMs?: number;
}

export interface SessionRunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  interrupted: boolean;
  /** Characters of output kept out of stdout and stderr. */
  omitted: number;
  /** `declare -px` at the step's end; absent when the step was killed or exited early. */
  declaredEnv?: string;
}

interface Pending {
  stdout: StreamCollector;
  stderr: StreamCollector;
  scriptFile: string;
  control: string;
  pid?: number;
  exitCode?: number;
  killRequested?: NodeJS.Signals;
  finish(): void;
  fail(error: Error): void;
}

export class BashSession {
  private child: ChildProcess | undefined;
  private pending: Pending | undefined;
  private marker = '';

  constructor(
    private readonly cwd: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  async close(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('close', () => resolve());
      (child.stdio[4] as Writable).end('close\n');
      child.stdin!.end();
    });
  }

  /** Runs one script; the caller runs one at a time. */
  run(options: SessionRunOptions): Promise<SessionRunResult> {
    if (this.pending) throw new Error('BashSession runs one script at a time');
    // The environment lands after the script's last byte.
    const scriptBytes = statSync(options.scriptFile).size;
    return new Promise((resolve) => {
      const child = this.start();
      let timedOut = false;
      let interrupted = false;
      let killTimer: NodeJS.Timeout | undefined;

      const stop = () => {
        this.signal(pending, 'SIGTERM');
        killTimer ??= setTimeout(() => this.signal(pending, 'SIGKILL'), options.killGraceMs ?? 2000);
      };
      const onAbort = () => {
        interrupted = true;
        stop();
      };
      const timeout = setTimeout(() => {
        timedOut = true;
        stop();
      }, options.timeoutMs);
      options.signal.addEventListener('abort', onAbort, { once: true });

      let settled = false;
      const settle = (exitCode: number, stderrNote = '') => {
        if (settled) return;
        settled = true;
        clearTimeout(timeout);
        clearTimeout(killTimer);
        options.signal.removeEventListener('abort', onAbort);
        this.pending = undefined;
        if (pending.pid !== undefined) forgetGroup(pending.pid);
        const declaredEnv = readDeclaredEnv(options.scriptFile, scriptBytes);
        resolve({
          exitCode,
          stdout: pending.stdout.text(),
          stderr: pending.stderr.text() + stderrNote,
          timedOut,
          interrupted,
          omitted: pending.stdout.omitted + pending.stderr.omitted,
          ...(declaredEnv === undefined ? {} : { declaredEnv }),
        });
      };
      const pending: Pending = {
        stdout: new StreamCollector('stdout', this.marker, options.onOutput, options.onOmitted),
        stderr: new StreamCollector('stderr', this.marker, options.onOutput, options.onOmitted),
        scriptFile: options.scriptFile,
        control: '',
        finish: () => {
          if (pending.exitCode !== undefined && pending.stdout.ended && pending.stderr.ended) settle(pending.exitCode);
        },
        fail: (error) => settle(-1, `${error.message}\n`),
      };
      pending.stdout.onEnd = pending.finish;
      pending.stderr.onEnd = pending.finish;
      this.pending = pending;
      if (options.signal.aborted) onAbort();
      child.stdin!.write(`${options.scriptFile}\n`);
    });
  }

  private start(): ChildProcess {
    if (this.child && this.child.exitCode === null && !this.child.killed) return this.child;
    const nonce = randomBytes(16).toString('hex');
    this.marker = `\0LAB-END-${nonce}\0`;
    const child = spawn('bash', ['--noprofile', '--norc', '-c', SERVER], {
      cwd: this.cwd,
      env: this.env,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe'],
    });
    child.stdin!.on('error', () => {});
    (child.stdio[4] as Writable).on('error', () => {});
    child.stdin!.write(`${nonce}\n`);
    child.stdout!.on('data', (chunk: Buffer) => this.pending?.stdout.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => this.pending?.stderr.push(chunk));
    (child.stdio[3] as Readable).on('data', (chunk: Buffer) => this.readControl(chunk));
    child.on('error', (error) => this.pending?.fail(error));
    child.on('close', () => {
      if (this.child === child) this.child = undefined;
      this.pending?.fail(new Error('the workstation shell ended unexpectedly'));
    });
    this.child = child;
    return child;
  }

  private readControl(chunk: Buffer): void {
    const pending = this.pending;
    if (!pending) return;
    // Only the session shell writes here, one record after another.
    pending.control += chunk.toString('latin1');
    if (pending.pid === undefined) {
      const pid = PID.exec(pending.control)?.[1];
      if (pid) {
        pending.pid = Number(pid);
        // The session's watchdog (fd 4) stops every step when Node dies; the list is for Ctrl-C.
        listGroup(pending.pid);
        if (pending.killRequested) signalGroup(pending.pid, pending.killRequested);
      }
    }
    if (pending.exitCode === undefined) {
      const done = DONE.exec(pending.control)?.[1];
      if (done) {
        pending.exitCode = Number(done);
        pending.finish();
      }
    }
  }

  private signal(pending: Pending, signal: NodeJS.Signals): void {
    if (pending.pid === undefined) pending.killRequested = signal;
    else signalGroup(pending.pid, signal);
  }
}

/** The environment the step's subshell appended to its script as it ended; absent when it did not get there. */
function readDeclaredEnv(scriptFile: string, scriptBytes: number): string | undefined {
  let content: Buffer;
  try {
    content = readFileSync(scriptFile);
  } catch {
    return undefined;
  }
  return content.length > scriptBytes ? content.subarray(scriptBytes).toString('utf8') : undefined;
}

/** Gathers one stream of a step, passing output on as it comes and spotting the end marker. */
class StreamCollector {
  private readonly kept: BoundedText;
  // A multi-byte character may be split across chunks.
  private readonly decoder = new StringDecoder('utf8');
  /** The end of the text, held back until it is clear whether it begins the marker. */
  private held = '';
  ended = false;
  onEnd: () => void = () => {};

  constructor(
    private readonly stream: 'stdout' | 'stderr',
    private readonly marker: string,
    private readonly onOutput?: (stream: 'stdout' | 'stderr', text: string) => void,
    onOmitted?: (stream: 'stdout' | 'stderr', text: string) => void,
  ) {
    this.kept = new BoundedText(onOmitted && ((text) => onOmitted(stream, text)));
  }

  get omitted(): number {
    return this.kept.omitted;
  }

  push(chunk: Buffer): void {
    if (this.ended) return;
    const text = this.held + this.decoder.write(chunk);
    const end = text.indexOf(this.marker);
    if (end !== -1) {
      this.emit(text.slice(0, end));
      this.held = '';
      this.ended = true;
      this.onEnd();
      return;
    }
    const nul = text.indexOf('\0', Math.max(0, text.length - this.marker.length + 1));
    const cut = nul === -1 ? text.length : nul;
    this.emit(text.slice(0, cut));
    this.held = text.slice(cut);
  }

  text(): string {
    return this.kept.text();
  }

  private emit(text: string): void {
    if (text === '') return;
    this.kept.push(text);
    this.onOutput?.(this.stream, text);
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
