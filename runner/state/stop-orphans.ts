/**
 * Stops what a dead run left running, before the run that took over its lock runs anything: a
 * step the dead run's watchdogs did not stop (they died with it) would otherwise run beside the
 * new copy of itself. Only processes provably the dead run's are touched:
 * - a process whose environment holds the dead run's token (LAB_RUN=<token>), which every process
 *   the run started inherits;
 * - a process the dead run's record lists (a watchdog, the leader of a sudo step or ssh client),
 *   whose start time is the one recorded, so a pid given since to another process is left alone;
 * - a child of one of those, or a member of a process group or session one of those leads: a
 *   process is born into its session and can join only a group of its own session.
 * TERM first, KILL 2 s later, then wait until they are gone; then the dead run's scratch files go.
 */
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import {
  environmentHolds,
  hasProcFolder,
  listAncestors,
  listProcesses,
  readStartTime,
  readStartTimesFromPs,
  type ProcessFacts,
} from './processes.js';
import { readOtherRunRecords, RUN_TOKEN_VARIABLE, type RunRecord } from './run-record.js';

const GRACE_MS = 2000;
const KILL_WAIT_MS = 3000;
const POLL_MS = 100;

/** A run whose lock was broken as stale: its token and pid, from the lock file. */
export interface DeadRun {
  pid: number;
  started: string;
  token: string;
}

/**
 * Stops the processes of every run that holds no lock any more beside `lockFile` (the one whose
 * stale lock was just broken, and any whose record outlived it); returns the lines to print.
 */
export function stopOrphans(lockFile: string, ownToken: string, broken: DeadRun | undefined): string[] {
  const runs = readOtherRunRecords(lockFile, ownToken);
  // A run that died before writing its record still marked what it started with its token.
  if (broken && /^[0-9a-f]+$/.test(broken.token) && !runs.some((run) => run.token === broken.token)) {
    runs.push({ file: '', token: broken.token, owner: { pid: broken.pid, started: broken.started }, processes: [], scratch: [] });
  }
  const lines: string[] = [];
  for (const run of runs) {
    // Its lock was removed by hand while it still runs: it is no dead run.
    if (run.owner && run.owner.started !== '' && readStartTime(run.owner.pid) === run.owner.started) continue;
    const line = stopRun(run, lockFile);
    if (line) lines.push(line);
    if (run.file) rmSync(run.file, { force: true });
  }
  return lines;
}

function stopRun(run: RunRecord, lockFile: string): string | undefined {
  const hasProc = hasProcFolder();
  const { stopped, refused, lingering } = stopAll(hasProc ? finderOfOrphans(run) : () => findRecordedLeaders(run));
  // Scratch files hold every variable, secrets included; only folders inside the state folder.
  const stateDir = path.dirname(lockFile);
  for (const dir of run.scratch.filter((dir) => path.dirname(dir) === stateDir)) emptyFolder(dir);
  const who = `a lab run that died (pid ${run.owner?.pid ?? 'unknown'})`;
  const parts: string[] = [];
  if (stopped.length > 0) {
    parts.push(`Stopped ${count(stopped.length, 'process', 'processes')} ${who} left running (pid ${listPids(stopped)}) before going on.`);
  }
  if (refused.length > 0) {
    parts.push(
      `${count(refused.length, 'process', 'processes')} of ${who} could not be stopped (pid ${listPids(refused)}, another user's): stop ${refused.length === 1 ? 'it' : 'them'} with \`sudo kill ${refused.join(' ')}\`.`,
    );
  }
  if (lingering.length > 0) {
    parts.push(`${count(lingering.length, 'process', 'processes')} of ${who} did not end after SIGKILL (pid ${listPids(lingering)}).`);
  }
  if (!hasProc) {
    parts.push(
      `Without /proc, lab finds only the watchdogs, sudo steps and ssh connections ${who} listed, not its workstation steps: look for them with \`ps -ax\`.`,
    );
  }
  return parts.length > 0 ? parts.join(' ') : undefined;
}

/** Ten pids at most: the line stays one line. */
function listPids(pids: number[]): string {
  return pids.length <= 10 ? pids.join(', ') : `${pids.slice(0, 10).join(', ')} and ${pids.length - 10} more`;
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A process to stop; `group`: it stands for its whole process group. */
interface Target {
  pid: number;
  started: string;
  group: boolean;
}

/** Linux: what finds the dead run's processes, each time afresh. */
function finderOfOrphans(run: RunRecord): () => Target[] {
  // A process's environment is read once: finding again every 100 ms reads only new processes'.
  const carriesToken = new Map<string, boolean>();
  const entry = `${RUN_TOKEN_VARIABLE}=${run.token}`;
  return () =>
    findOrphans(run, (facts) => {
      const key = `${facts.pid} ${facts.started}`;
      let holds = carriesToken.get(key);
      if (holds === undefined) carriesToken.set(key, (holds = environmentHolds(facts.pid, entry)));
      return holds;
    });
}

/** Every live process that is provably the dead run's, never this process or its ancestors. */
function findOrphans(run: RunRecord, carriesToken: (facts: ProcessFacts) => boolean): Target[] {
  const all = listProcesses() ?? [];
  const spared = listAncestors();
  const candidates = all.filter((facts) => !facts.zombie && !spared.has(facts.pid));
  const recorded = new Set(run.processes.map((listed) => `${listed.pid} ${listed.started}`));
  const proven = new Map<number, ProcessFacts>();
  for (const facts of candidates) {
    if (recorded.has(`${facts.pid} ${facts.started}`) || carriesToken(facts)) proven.set(facts.pid, facts);
  }
  // Born of one of them, or in a group or session one of them leads: theirs too (sudo's command runs
  // in a session of its own, with an environment of its own).
  for (let grew = true; grew;) {
    grew = false;
    for (const facts of candidates) {
      if (proven.has(facts.pid) || !(proven.has(facts.ppid) || proven.has(facts.pgid) || proven.has(facts.sid))) continue;
      proven.set(facts.pid, facts);
      grew = true;
    }
  }
  return [...proven.values()].map((facts) => ({ pid: facts.pid, started: facts.started, group: false }));
}

/** Without /proc: the recorded leaders still alive with their recorded start time. */
function findRecordedLeaders(run: RunRecord): Target[] {
  const startTimes = readStartTimesFromPs();
  return run.processes
    .filter((listed) => listed.started !== '' && startTimes.get(listed.pid) === listed.started)
    .map((listed) => ({ pid: listed.pid, started: listed.started, group: true }));
}

interface Outcome {
  /** Signalled, and gone. */
  stopped: number[];
  /** Still there: not this user's to signal (sudo's command as root). */
  refused: number[];
  /** Still there after SIGKILL (a process stuck in the kernel). */
  lingering: number[];
}

/** TERM, then KILL after the grace; found again each time, since a dying step may start another process. */
function stopAll(find: () => Target[]): Outcome {
  const signalled = new Set<number>();
  const refused = new Set<number>();
  /** Signals what was found and not yet given `signal`; says whether anything this user may signal is left. */
  const signalNew = (signal: NodeJS.Signals, given: Set<number>): boolean => {
    const found = find().filter((target) => !refused.has(target.pid));
    for (const target of found) {
      if (given.has(target.pid)) continue;
      // The same process that was found, not one that took its pid since.
      if (readStartTime(target.pid) !== target.started) continue;
      given.add(target.pid);
      if (sendSignal(target, signal)) signalled.add(target.pid);
      else refused.add(target.pid);
    }
    return found.some((target) => !refused.has(target.pid));
  };
  for (const [signal, ms] of [
    ['SIGTERM', GRACE_MS],
    ['SIGKILL', KILL_WAIT_MS],
  ] as const) {
    const given = new Set<number>();
    let alive = signalNew(signal, given);
    for (const end = Date.now() + ms; alive && Date.now() < end;) {
      sleepSync(POLL_MS);
      alive = signalNew(signal, given);
    }
    if (!alive) break;
  }
  // What is left now, whether this user could signal it or not (sudo relays TERM to its command).
  const left = new Set(find().map((target) => target.pid));
  const sorted = (pids: Iterable<number>) => [...pids].sort((a, b) => a - b);
  return {
    stopped: sorted([...signalled, ...refused].filter((pid) => !left.has(pid))),
    refused: sorted([...refused].filter((pid) => left.has(pid))),
    lingering: sorted([...signalled].filter((pid) => left.has(pid))),
  };
}

/** True when the signal was delivered (or the process is gone); false when it is not ours to signal. */
function sendSignal(target: Target, signal: NodeJS.Signals): boolean {
  try {
    process.kill(target.group ? -target.pid : target.pid, signal);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'EPERM';
  }
}

function emptyFolder(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) rmSync(path.join(dir, name), { recursive: true, force: true });
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
