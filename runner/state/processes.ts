/**
 * What the system says about a process: when it started (so a pid the system has given to another
 * process is never taken for the one that had it), its group and session, and whether its
 * environment holds an entry. Linux answers from /proc; elsewhere `ps` answers what it can.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export interface ProcessFacts {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  /** Ticks after boot, as /proc/PID/stat field 22 says. */
  started: string;
  /** Dead, not yet reaped by its parent: there is nothing left to stop. */
  zombie: boolean;
}

/** Linux's clock ticks per second for /proc times (USER_HZ, 100 on every architecture Node runs on). */
const TICKS_PER_SECOND = 100;

/** The fields of /proc/PID/stat; undefined when the process is gone (or there is no /proc). */
export function readProcess(pid: number): ProcessFacts | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    pid,
    ppid: Number(fields[1]),
    pgid: Number(fields[2]),
    sid: Number(fields[3]),
    started: fields[19] ?? '',
    zombie: fields[0] === 'Z' || fields[0] === 'X',
  };
}

/** The system lists its processes in /proc (Linux), where lab can find a dead run's processes. */
export function hasProcFolder(): boolean {
  return existsSync('/proc/self/stat');
}

/** Every process /proc shows; undefined where there is no /proc (macOS). */
export function listProcesses(): ProcessFacts[] | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const processes: ProcessFacts[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const facts = readProcess(Number(entry));
    if (facts) processes.push(facts);
  }
  return processes.length > 0 ? processes : undefined;
}

/** When the process started, as a string to compare for equality; empty when it cannot tell. */
export function readStartTime(pid: number): string {
  const facts = readProcess(pid);
  if (facts) return facts.started;
  const ps = spawnSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8' });
  return ps.status === 0 ? ps.stdout.trim() : '';
}

/**
 * Every process's start time as `ps` tells it (the same text readStartTime gives without /proc), in
 * one call: where there is no /proc, finding many processes costs one `ps`, not one each.
 */
export function readStartTimesFromPs(): Map<number, string> {
  const ps = spawnSync('ps', ['-A', '-o', 'pid=', '-o', 'lstart='], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const times = new Map<number, string>();
  if (ps.status !== 0) return times;
  for (const line of ps.stdout.split('\n')) {
    const match = /^\s*(\d+)\s+(\S.*?)\s*$/.exec(line);
    if (match) times.set(Number(match[1]), match[2]!);
  }
  return times;
}

/** When the process started, in milliseconds since the epoch (to a second or so); undefined when it cannot tell. */
export function readStartedAtMs(pid: number): number | undefined {
  const facts = readProcess(pid);
  if (facts) {
    const boot = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1];
    return boot === undefined ? undefined : Number(boot) * 1000 + (Number(facts.started) * 1000) / TICKS_PER_SECOND;
  }
  const ps = spawnSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8' });
  const at = ps.status === 0 ? Date.parse(ps.stdout.trim()) : Number.NaN;
  return Number.isNaN(at) ? undefined : at;
}

/**
 * The process's environment (as it was when it executed its program) holds `entry` exactly.
 * False when it cannot be read: another user's process, or a setuid one such as sudo.
 */
export function environmentHolds(pid: number, entry: string): boolean {
  let environment: string;
  try {
    environment = readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch {
    return false;
  }
  return `\0${environment}`.includes(`\0${entry}\0`);
}

/** This process and every process above it, pid 1 included: never to be stopped as someone's orphan. */
export function listAncestors(): Set<number> {
  const ancestors = new Set<number>([process.pid, 1]);
  for (let pid = process.ppid; pid > 1 && !ancestors.has(pid); pid = readProcess(pid)?.ppid ?? 0) ancestors.add(pid);
  return ancestors;
}
