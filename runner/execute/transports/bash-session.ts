/**
 * One long-lived bash on the workstation that runs each step in a subshell of its own process
 * group. Forking a running bash is several times cheaper than Node starting a new one, which is
 * what keeps `lab run` close to the speed of running the commands by hand.
 *
 * Job control is on only while a step shell is forked (so it gets a process group of its own), so
 * bash prints no job notices into the next step's stderr.
 *
 * Protocol, so that nothing a step prints can change a verdict or another step's result:
 * - Node writes a random nonce as the first line on the session's stdin, then each script as a
 *   line with its length in bytes followed by that many bytes. No file holds a script, so none is
 *   created, removed or left behind with the secrets it exports. A script cannot hold a NUL byte.
 * - The session forks the next step's shell as soon as the last one ended, while Node is still
 *   taking in the last result, so the fork is not on a step's way. That shell reads the script,
 *   then sources it with stdin from /dev/null. The nonce is in no variable a step can see: the step
 *   shell unsets it first.
 * - fd 3 carries records only the session shell writes, one after the other: the step shell's
 *   process group (`\0PID n\0`, so it can be stopped) as it is forked, then `\0DONE status\0`
 *   once it has waited for it and killed whatever the step left behind. The step runs with fd 3
 *   closed.
 * - fd 5 is a file opened for appending that has no name: Node creates it, hands it to the session
 *   and removes its name at once, so no one can open it and nothing is left behind however the
 *   runner ends. The step shell appends the step's exported environment (`declare -px`) to it as
 *   the step ends (the step itself runs with fd 5 closed); once DONE came, what lies past the
 *   length Node last saw is that step's environment and nothing else. A file, not a pipe: bash
 *   writes `declare -px` a line at a time, and each line on a pipe would wake Node (about nine
 *   wake-ups a step, measured).
 * - stdout and stderr each end with `\0LAB-END-<nonce>\0`, so Node knows it has every byte of the
 *   step's output; a step cannot print a marker it does not know.
 * - A watchdog reads fd 4, a pipe Node never writes: when Node dies (SIGKILL, a crash) it reads
 *   end-of-file and stops every process of the session, so no step outlives the runner. Node says
 *   `close` on it at a normal end. So the runner's own watchdog (watchdog.ts) is not told of each
 *   step: that was a message and a wake-up of another bash per step.
 * - At the end Node closes stdin: the waiting step shell reads end-of-file and tells the session
 *   (SIGUSR1) to exit.
 */
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, fstatSync, ftruncateSync, openSync, readSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { BoundedText } from '../bounded-text.js';
import { forgetGroup, listGroup } from '../watchdog.js';

const SERVER = `
IFS= read -r __lab_nonce || exit 0
( trap '' INT TERM HUP
  IFS= read -r __lab_line <&4
  if [ "$__lab_line" != close ]; then pkill -TERM -s $$; sleep 2; pkill -KILL -s $$; fi
) </dev/null >/dev/null 2>&1 3>&- 5>&- &
exec 4<&-
trap 'exit 0' USR1
# read -N (bash 4.1 and later) reads a script in blocks; -n with no delimiter (bash 3.2, macOS's
# own) reads the same bytes one at a time.
__lab_count=-N
[ "\${BASH_VERSINFO[0]}" -ge 5 ] || [ "\${BASH_VERSINFO[0]}\${BASH_VERSINFO[1]}" -ge 41 ] || __lab_count=-n
while :; do
  set -m
  ( IFS= read -r __lab_bytes || { kill -USR1 $$; exit 0; }
    LC_ALL=C IFS= read -r -d '' "$__lab_count" "$__lab_bytes" __lab_script
    exec </dev/null
    { unset __lab_nonce __lab_bytes __lab_script __lab_count; source /dev/fd/6; } 6<<<"$__lab_script" 5>&-
    __lab_rc=$?
    declare -px >&5
    exit "$__lab_rc" ) 0<&0 3>&- &
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

/** The environment file is emptied between steps once it holds this much. */
const ENV_FILE_LIMIT = 1 << 20;

/** One record of the session shell on fd 3. */
const RECORD = /^\0(PID|DONE) (\d+)\0/;

export interface SessionRunOptions {
  /** The whole script; it travels over the session's stdin, never through a file. */
  script: string;
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
  /**
   * `declare -px` at the step's end; absent when the step ended before it (`exit`, a kill), and cut
   * short when the step was killed as it wrote it (its exit status then says so).
   */
  declaredEnv?: string;
}

interface Pending {
  stdout: StreamCollector;
  stderr: StreamCollector;
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
  /** What fd 3 holds of a record not yet complete. */
  private control = '';
  /** The step shell forked for the next script, waiting to read it. */
  private nextPid: number | undefined;
  /** The session's nameless environment file (fd 5), and how much of it Node has read. */
  private envFd: number | undefined;
  private envRead = 0;

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
    this.closeEnvFile();
  }

  /** Runs one script; the caller runs one at a time. */
  run(options: SessionRunOptions): Promise<SessionRunResult> {
    if (this.pending) throw new Error('BashSession runs one script at a time');
    // bash's read drops NUL bytes without counting them: the next script would start mid-way.
    if (options.script.includes('\0')) {
      throw new Error('the script holds a NUL byte (a value captured from binary output?), which bash cannot take; it was not run');
    }
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
        const declaredEnv = this.readEnv();
        resolve({
          exitCode,
          stdout: pending.stdout.text(),
          stderr: pending.stderr.text() + stderrNote,
          timedOut,
          interrupted,
          omitted: pending.stdout.omitted + pending.stderr.omitted,
          ...(declaredEnv === '' ? {} : { declaredEnv }),
        });
      };
      const pending: Pending = {
        stdout: new StreamCollector('stdout', this.marker, options.onOutput, options.onOmitted),
        stderr: new StreamCollector('stderr', this.marker, options.onOutput, options.onOmitted),
        finish: () => {
          if (pending.exitCode !== undefined && pending.stdout.ended && pending.stderr.ended) settle(pending.exitCode);
        },
        fail: (error) => settle(-1, `${error.message}\n`),
      };
      pending.stdout.onEnd = pending.finish;
      pending.stderr.onEnd = pending.finish;
      this.pending = pending;
      this.takeStepShell();
      if (options.signal.aborted) onAbort();
      child.stdin!.write(`${Buffer.byteLength(options.script)}\n${options.script}`);
    });
  }

  private start(): ChildProcess {
    if (this.child && this.child.exitCode === null && !this.child.killed) return this.child;
    const nonce = randomBytes(16).toString('hex');
    this.marker = `\0LAB-END-${nonce}\0`;
    this.control = '';
    this.nextPid = undefined;
    this.closeEnvFile();
    const envFile = path.join(tmpdir(), `lab-env-${randomBytes(12).toString('hex')}`);
    // Created by us alone (O_EXCL), readable by us alone, and nameless once the session has it.
    this.envFd = openSync(envFile, constants.O_CREAT | constants.O_EXCL | constants.O_RDWR | constants.O_APPEND, 0o600);
    this.envRead = 0;
    let child: ChildProcess;
    try {
      child = spawn('bash', ['--noprofile', '--norc', '-c', SERVER], {
        cwd: this.cwd,
        env: this.env,
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe', this.envFd],
      });
    } finally {
      unlinkSync(envFile);
    }
    child.stdin!.on('error', () => {});
    (child.stdio[4] as Writable).on('error', () => {});
    child.stdin!.write(`${nonce}\n`);
    child.stdout!.on('data', (chunk: Buffer) => this.pending?.stdout.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => this.pending?.stderr.push(chunk));
    (child.stdio[3] as Readable).on('data', (chunk: Buffer) => this.readControl(chunk));
    child.on('error', (error) => this.pending?.fail(error));
    child.on('close', () => {
      if (this.child === child) {
        this.child = undefined;
        this.closeEnvFile();
      }
      this.pending?.fail(new Error('the workstation shell ended unexpectedly'));
    });
    this.child = child;
    return child;
  }

  private readControl(chunk: Buffer): void {
    // Only the session shell writes here, one whole record after another: the PID of each step
    // shell as it is forked (before it has a script), then DONE once that shell has ended.
    this.control += chunk.toString('latin1');
    for (let record = RECORD.exec(this.control); record; record = RECORD.exec(this.control)) {
      this.control = this.control.slice(record[0].length);
      const value = Number(record[2]);
      if (record[1] === 'PID') {
        this.nextPid = value;
        this.takeStepShell();
        continue;
      }
      const pending = this.pending;
      if (pending && pending.exitCode === undefined) {
        pending.exitCode = value;
        pending.finish();
      }
    }
  }

  /** What the step shell appended to the environment file since the last look ('' for nothing). */
  private readEnv(): string {
    if (this.envFd === undefined) return '';
    const size = fstatSync(this.envFd).size;
    const text = readBytes(this.envFd, this.envRead, size - this.envRead);
    this.envRead = size;
    // Between steps (no step shell writes now): the file need not hold every step's environment.
    if (size > ENV_FILE_LIMIT) {
      ftruncateSync(this.envFd, 0);
      this.envRead = 0;
    }
    return text;
  }

  private closeEnvFile(): void {
    if (this.envFd !== undefined) closeSync(this.envFd);
    this.envFd = undefined;
  }

  /** The running script's process group is the step shell waiting for it. */
  private takeStepShell(): void {
    const pending = this.pending;
    if (!pending || pending.pid !== undefined || this.nextPid === undefined) return;
    pending.pid = this.nextPid;
    this.nextPid = undefined;
    // The session's watchdog (fd 4) stops every step when Node dies; the list is for Ctrl-C.
    listGroup(pending.pid);
    if (pending.killRequested) signalGroup(pending.pid, pending.killRequested);
  }

  private signal(pending: Pending, signal: NodeJS.Signals): void {
    if (pending.pid === undefined) pending.killRequested = signal;
    else signalGroup(pending.pid, signal);
  }
}

function readBytes(fd: number, from: number, length: number): string {
  const buffer = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const read = readSync(fd, buffer, done, length - done, from + done);
    if (read === 0) break;
    done += read;
  }
  return buffer.toString('utf8', 0, done);
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
