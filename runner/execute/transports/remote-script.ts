/**
 * What goes to a remote bash on stdin, and how to read what comes back. Shared by the OpenSSH
 * and gcloud transports.
 *
 * The remote side prints a start marker before anything else, then waits for the runner's
 * go-ahead, a line on stdin that the runner sends only once it has seen the start marker and
 * recorded the step as started. Only then does it run the step, in a subshell of its own process
 * group with stdin from /dev/null (so no command in the step can eat the rest of the script), and
 * print the step's exit status in an end marker. Without the go-ahead (end-of-file: the runner or
 * the connection went away) it exits and runs nothing. So a runner that did not see the start
 * marker knows the step never ran, even if the host printed it just before the connection broke,
 * and may try again; one that saw it never starts the step a second time. While the step runs, a
 * watchdog reads stdin, which the runner keeps open: when the runner goes away (Ctrl-C, a crash,
 * a lost connection) it reads end-of-file and stops the step's whole process group, so nothing
 * is left running.
 *
 * Job control is on only while the two are started (each gets a process group of its own), so
 * bash prints no job notices into the step's output.
 *
 * An ssh exit status of 255 before the runner saw the start marker is a connection that failed
 * before the step could begin (safe to retry); after it, but with no end marker, the connection
 * was lost during the step; with the end marker, the status is the step's own, 255 included.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { exportLine } from '../shell-quote.js';
import { spawnTree } from '../spawn-tree.js';
import type { ScriptRequest, ScriptResult } from '../transport.js';

/** The markers of one request: random, so nothing a step prints can imitate them. */
export interface Markers {
  start: string;
  /** The runner's go-ahead, a line on the remote bash's stdin. */
  go: string;
  exit: string;
}

export function createMarkers(nonce = randomBytes(16).toString('hex')): Markers {
  return { start: `\0LAB-START-${nonce}\0`, go: `LAB-GO-${nonce}\n`, exit: `\0LAB-EXIT-${nonce} ` };
}

/** The remote command: bash reading the script from stdin, under sudo when the step needs root. */
export function remoteCommand(root: boolean): string {
  // Not `bash -se`: errexit would end the outer script before it reports the step's status.
  return root ? 'sudo -n bash -s' : 'bash -s';
}

/**
 * The whole wrapper up to the step is on line 1, with the exports and the step's own first line,
 * so bash's `line N` is the book's. bash -s reads a pipe a byte at a time, so `read` gets the
 * line that follows the script (the go-ahead), not the script itself.
 */
export function wrapRemoteScript(script: string, env: Record<string, string>, markers: Markers): string {
  const start = markers.start.replaceAll('\0', '\\0');
  const go = markers.go.trimEnd();
  const exit = markers.exit.replaceAll('\0', '\\0');
  return (
    `printf '${start}' >&2; IFS= read -r __lab_go && [ "$__lab_go" = ${go} ] || exit 255; ` +
    `set -m; ( ${exportLine(env)}${script}` +
    `) </dev/null & __lab_pid=$!; ` +
    `{ IFS= read -r __lab_line; kill -TERM -- "-$__lab_pid"; sleep 2; kill -KILL -- "-$__lab_pid"; } >/dev/null 2>&1 & __lab_watch=$!; set +m; ` +
    `wait "$__lab_pid"; __lab_rc=$?; kill "$__lab_watch" 2>/dev/null; ` +
    `printf '${exit}%s\\0' "$__lab_rc" >&2; exit "$__lab_rc"\n`
  );
}

export interface RemoteOutcome {
  /** The step's exit status, or the transport's when the step never reported one. */
  exitCode: number;
  stderr: string;
  /** The remote side reported the step's exit status. */
  finished: boolean;
}

export function readRemoteOutcome(exitCode: number, stderr: string, markers: Markers): RemoteOutcome {
  const exit = findExit(stderr, markers);
  const clean = stripMarkers(stderr, markers);
  return { exitCode: exit ? exit.status : exitCode, stderr: clean, finished: exit !== undefined };
}

/**
 * Watches stderr for the start marker, which may arrive split across reads (after whatever the
 * host's login printed first). `started` turns true, once, before the go-ahead is sent.
 */
export function createHandshake(markers: Markers) {
  let seen = '';
  const handshake = {
    started: false,
    /** The go-ahead to send when `text` completes the start marker. */
    reply(text: string): string | undefined {
      if (handshake.started) return undefined;
      seen += text;
      if (!seen.includes(markers.start)) {
        seen = seen.slice(-(markers.start.length - 1));
        return undefined;
      }
      handshake.started = true;
      return markers.go;
    },
  };
  return handshake;
}

function findExit(text: string, markers: Markers): { index: number; length: number; status: number } | undefined {
  const index = text.lastIndexOf(markers.exit);
  if (index === -1) return undefined;
  const match = /^(\d+)\0/.exec(text.slice(index + markers.exit.length));
  return match ? { index, length: markers.exit.length + match[0].length, status: Number(match[1]) } : undefined;
}

/** Drops the markers from stderr, so it shows only what the step printed. */
function stripMarkers(text: string, markers: Markers): string {
  const withoutStart = text.replace(markers.start, '');
  const exit = findExit(withoutStart, markers);
  return exit ? withoutStart.slice(0, exit.index) + withoutStart.slice(exit.index + exit.length) : withoutStart;
}

/**
 * Drops the markers from stderr as it streams (--verbose), holding back the end of a read that
 * may be the first part of a marker split across reads; `end` gives what is still held.
 */
export function createMarkerFilter(markers: Markers) {
  const exit = new RegExp(`${markers.exit}\\d+\0`, 'g');
  let held = '';
  return {
    push(text: string): string {
      const clean = (held + text).replaceAll(markers.start, '').replace(exit, '');
      const from = partialMarkerAt(clean, markers);
      held = clean.slice(from);
      return clean.slice(0, from);
    },
    end(): string {
      const rest = held;
      held = '';
      return rest;
    },
  };
}

/** Where the text ends with what may be the start of a marker (its length when it does not). */
function partialMarkerAt(text: string, markers: Markers): number {
  const longest = markers.exit.length + 12;
  for (let index = text.indexOf('\0', Math.max(0, text.length - longest)); index !== -1; index = text.indexOf('\0', index + 1)) {
    const tail = text.slice(index);
    const exitSoFar = tail.startsWith(markers.exit) && /^\d*$/.test(tail.slice(markers.exit.length));
    if (markers.start.startsWith(tail) || markers.exit.startsWith(tail) || exitSoFar) return index;
  }
  return text.length;
}

/**
 * One try at running a step remotely; `started` says whether the runner gave the go-ahead (false:
 * the step provably never ran).
 */
export interface RemoteAttempt extends ScriptResult {
  started: boolean;
}

/** Runs `command args` (ssh, or gcloud compute ssh) with the wrapped script on stdin. */
export async function runRemoteScript(command: string, args: readonly string[], request: ScriptRequest): Promise<RemoteAttempt> {
  const markers = createMarkers();
  const handshake = createHandshake(markers);
  const shownStderr = createMarkerFilter(markers);
  const result = await spawnTree(command, args, {
    input: wrapRemoteScript(request.script, request.env, markers),
    keepStdinOpen: true,
    reply: (stream, text) => (stream === 'stderr' ? handshake.reply(text) : undefined),
    ...(request.onOmitted ? { onOmitted: request.onOmitted } : {}),
    timeoutMs: request.timeoutMs,
    signal: request.signal,
    ...(request.onOutput
      ? {
          onOutput: (stream: 'stdout' | 'stderr', text: string) =>
            request.onOutput!(stream, stream === 'stderr' ? shownStderr.push(text) : text),
        }
      : {}),
  });
  request.onOutput?.('stderr', shownStderr.end());
  const outcome = readRemoteOutcome(result.exitCode, result.stderr, markers);
  const { started } = handshake;
  const lost = !outcome.finished && result.exitCode === 255 && !result.timedOut && !result.interrupted;
  const connectionLost = !lost ? false : started ? ('during-step' as const) : ('before-start' as const);
  const why = started ? `The connection to ${request.host} was lost during the step.` : `Could not connect to ${request.host}.`;
  return {
    exitCode: outcome.exitCode,
    stdout: result.stdout,
    stderr: lost ? `${outcome.stderr}${why}\n` : outcome.stderr,
    timedOut: result.timedOut,
    interrupted: result.interrupted,
    connectionLost,
    started,
    ...(result.omitted > 0 ? { omitted: result.omitted } : {}),
  };
}

/**
 * Tries again, after each of `delaysMs`, while the connection fails before the step starts:
 * nothing ran, so nothing runs twice. A connection lost during the step is the step's failure.
 */
export async function retryUntilStarted(
  request: ScriptRequest,
  delaysMs: readonly number[],
  attempt: () => Promise<RemoteAttempt>,
): Promise<ScriptResult> {
  for (let index = 0; ; index++) {
    const { started, ...result } = await attempt();
    // Ctrl-C while the connection opened: the step never ran, so it is an interrupt, not a failure.
    if (!started && request.signal.aborted) return { ...result, interrupted: true, connectionLost: false };
    if (result.connectionLost !== 'before-start' || index >= delaysMs.length) return result;
    try {
      await sleep(delaysMs[index]!, undefined, { signal: request.signal });
    } catch {
      return { ...result, interrupted: true };
    }
  }
}
