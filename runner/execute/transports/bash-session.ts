/**
 * One long-lived bash on the workstation that runs each step in a subshell of its own process
 * group. Forking a running bash is several times cheaper than Node starting a new one, which is
 * what keeps `lab run` close to the speed of running the commands by hand.
 *
 * Job control is on only while the step starts (so it gets a process group of its own), so bash
 * prints no job notices into the next step's stderr.
 *
 * Protocol: Node writes a script path per line on the session's stdin. On fd 3 the session
 * reports the step's process group (so it can be stopped), the step's exported environment when
 * it ends (`declare -px`), and DONE once it has waited for the step and killed whatever the step
 * left behind. stdout and stderr each end with a NUL-framed marker carrying the exit status, so
 * Node knows it has every byte of the step's output. The step's processes inherit fd 3.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

const SERVER = `
while IFS= read -r __lab_script; do
  set -m
  ( source "$__lab_script"; __lab_rc=$?; { printf '\\0ENV\\0'; declare -px; printf '\\0'; } >&3; exit "$__lab_rc" ) </dev/null &
  __lab_pid=$!
  set +m
  printf '\\0PID %s\\0' "$__lab_pid" >&3
  wait "$__lab_pid"; __lab_status=$?
  kill -KILL -- "-$__lab_pid" 2>/dev/null
  printf '\\0DONE\\0' >&3
  printf '\\0LAB-END %s\\0' "$__lab_status"
  printf '\\0LAB-END %s\\0' "$__lab_status" >&2
done
`;

const END = /\0LAB-END (\d+)\0$/;

export interface SessionRunOptions {
  scriptFile: string;
  timeoutMs: number;
  signal: AbortSignal;
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
  killGraceMs?: number;
}

export interface SessionRunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  interrupted: boolean;
  /** `declare -px` at the step's end; absent when the step was killed or exited early. */
  declaredEnv?: string;
}

interface Pending {
  stdout: StreamCollector;
  stderr: StreamCollector;
  control: string;
  pid?: number;
  done: boolean;
  killRequested?: NodeJS.Signals;
  finish(): void;
  fail(error: Error): void;
}

export class BashSession {
  private child: ChildProcess | undefined;
  private pending: Pending | undefined;

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
      child.stdin!.end();
    });
  }

  /** Runs one script; the caller runs one at a time. */
  run(options: SessionRunOptions): Promise<SessionRunResult> {
    if (this.pending) throw new Error('BashSession runs one script at a time');
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
        const declaredEnv = /\0ENV\0([^\0]*)\0/.exec(pending.control)?.[1];
        resolve({
          exitCode,
          stdout: pending.stdout.text(),
          stderr: pending.stderr.text() + stderrNote,
          timedOut,
          interrupted,
          ...(declaredEnv === undefined ? {} : { declaredEnv }),
        });
      };
      const pending: Pending = {
        stdout: new StreamCollector('stdout', options.onOutput),
        stderr: new StreamCollector('stderr', options.onOutput),
        control: '',
        done: false,
        finish: () => {
          if (pending.done && pending.stdout.exitCode !== undefined && pending.stderr.exitCode !== undefined)
            settle(pending.stdout.exitCode);
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
    const child = spawn('bash', ['--noprofile', '--norc', '-c', SERVER], {
      cwd: this.cwd,
      env: this.env,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    });
    child.stdin!.on('error', () => {});
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
    pending.control += chunk.toString('utf8');
    if (pending.pid === undefined) {
      const pid = /\0PID (\d+)\0/.exec(pending.control)?.[1];
      if (pid) {
        pending.pid = Number(pid);
        if (pending.killRequested) signalGroup(pending.pid, pending.killRequested);
      }
    }
    if (!pending.done && pending.control.endsWith('\0DONE\0')) {
      pending.done = true;
      pending.finish();
    }
  }

  private signal(pending: Pending, signal: NodeJS.Signals): void {
    if (pending.pid === undefined) pending.killRequested = signal;
    else signalGroup(pending.pid, signal);
  }
}

/** Gathers one stream of a step, passing output on as it comes and spotting the end marker. */
class StreamCollector {
  private readonly parts: string[] = [];
  // A multi-byte character may be split across chunks.
  private readonly decoder = new StringDecoder('utf8');
  /** Bytes from a NUL on, held back until it is clear whether they are the marker. */
  private held = '';
  exitCode: number | undefined;
  onEnd: () => void = () => {};

  constructor(
    private readonly stream: 'stdout' | 'stderr',
    private readonly onOutput?: (stream: 'stdout' | 'stderr', text: string) => void,
  ) {}

  push(chunk: Buffer): void {
    const text = this.held + this.decoder.write(chunk);
    const match = END.exec(text);
    if (match) {
      this.emit(text.slice(0, match.index));
      this.held = '';
      this.exitCode = Number(match[1]);
      this.onEnd();
      return;
    }
    const nul = text.indexOf('\0');
    // Only the tail can be the start of a marker.
    const cut = nul === -1 ? text.length : Math.max(nul, text.length - 32);
    this.emit(text.slice(0, cut));
    this.held = text.slice(cut);
  }

  text(): string {
    return this.parts.join('');
  }

  private emit(text: string): void {
    if (text === '') return;
    this.parts.push(text);
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
