/**
 * The lock that lets one run at a time use a state folder. A lock file holds its owner's pid, the
 * owner's start time (so a pid the system has since given to another process is not taken for
 * the owner) and a random token (so a run releases only its own lock).
 *
 * Taking is atomic: the content is written to a file of the run's own, then hard-linked to the
 * lock's name, which fails if a lock is there. A stale lock is broken by renaming it aside and
 * checking that what was renamed is the stale lock that was judged; if another run broke it first
 * and took the lock, that run's lock is linked back and this run is told the state is in use.
 *
 * The run that takes the lock first stops whatever a dead run left running (stop-orphans.ts), then
 * starts its own record of what it starts (run-record.ts), for the run after it.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { LabError } from '../errors.js';
import { readProcess, readStartedAtMs, readStartTime } from './processes.js';
import { readRegularFile } from './read-regular-file.js';
import { startRunRecord } from './run-record.js';
import { stopOrphans, type DeadRun } from './stop-orphans.js';

export { readStartTime } from './processes.js';

/**
 * How much later than its lock file a process may seem to have started and still be its owner: a
 * start time read as boot time (whole seconds) plus ticks is up to a second off, and the clock
 * may have been adjusted a little since.
 */
const START_SLACK_MS = 5000;

export interface LockOwner {
  pid: number;
  /** When the process started, as the system reports it; empty when it cannot tell. */
  started: string;
  token: string;
}

/**
 * Takes the lock at `file`, or throws the error `busy` makes of its live owner. Before it returns,
 * what a dead run left running is stopped, and `notify` gets a line saying what was.
 */
export function takeLock(file: string, busy: (owner: LockOwner) => Error, notify: (line: string) => void): () => void {
  const owner: LockOwner = { pid: process.pid, started: readStartTime(process.pid), token: randomBytes(12).toString('hex') };
  const candidate = `${file}.${owner.token}`;
  writeFileSync(candidate, `${JSON.stringify(owner)}\n`, { mode: 0o600 });
  let broken: DeadRun | undefined;
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      if (tryLink(candidate, file)) {
        rmSync(candidate, { force: true });
        let endRecord: () => void;
        try {
          for (const line of stopOrphans(file, owner.token, broken)) notify(line);
          endRecord = startRunRecord(file, owner.token, owner);
        } catch (error) {
          releaseLock(file, owner.token);
          throw error;
        }
        return () => {
          endRecord();
          releaseLock(file, owner.token);
        };
      }
      const held = readLock(file);
      if (held === undefined) {
        // A folder (or anything but a file) by the lock's name is no lock any run will release.
        if (statSync(file, { throwIfNoEntry: false })?.isFile() === false) {
          throw new LabError(`${file} is not a lock file; remove it if no lab run is going on`);
        }
        continue; // released meanwhile
      }
      if (isRunning(held)) throw busy(held.owner);
      if (breakStaleLock(file, held.owner, owner.token)) broken = held.owner;
    }
  } finally {
    rmSync(candidate, { force: true });
  }
  throw new LabError(`Could not take the lock ${file}; remove it if no lab run is going on`);
}

function tryLink(candidate: string, file: string): boolean {
  try {
    linkSync(candidate, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  }
}

/** True when this run broke the stale lock `stale` (and no other run's lock). */
function breakStaleLock(file: string, stale: LockOwner, token: string): boolean {
  const aside = `${file}.stale.${token}`;
  try {
    renameSync(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false; // another run broke it
    throw error;
  }
  const moved = readLock(aside)?.owner;
  const ours = moved === undefined || moved.token === stale.token;
  if (!ours) {
    // Another run broke the stale lock and took it between our read and our rename: give it back.
    try {
      linkSync(aside, file);
    } catch {
      // A third run took the name meanwhile; its lock stands.
    }
  }
  rmSync(aside, { force: true });
  return ours;
}

function releaseLock(file: string, token: string): void {
  // Only our own lock: a run that finds someone else's lock there leaves it alone.
  if (readLock(file)?.owner.token === token) rmSync(file, { force: true });
}

/** A lock as read from its file: who wrote it, and when. */
interface HeldLock {
  owner: LockOwner;
  writtenMs: number;
}

/** The lock file's owner and time, read from one open file; undefined when it is gone or no file. */
function readLock(file: string): HeldLock | undefined {
  const read = readRegularFile(file);
  return read && { owner: parseOwner(read.text), writtenMs: read.stat.mtimeMs };
}

function parseOwner(text: string): LockOwner {
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>;
    if (typeof owner.pid === 'number' && typeof owner.token === 'string')
      return { pid: owner.pid, started: String(owner.started ?? ''), token: owner.token };
  } catch {
    // An older lab wrote only the pid.
  }
  const pid = Number(text.trim());
  return { pid: Number.isInteger(pid) && pid > 0 ? pid : 0, started: '', token: `legacy:${text.trim()}` };
}

/**
 * The process is alive and is the one that took the lock: its start time is the one the lock
 * recorded, or, for a lock that recorded none (an older lab wrote only the pid), it started
 * before the lock file was written (after a reboot, the pid belongs to someone else).
 */
function isRunning({ owner, writtenMs }: HeldLock): boolean {
  if (owner.pid <= 0) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // Dead, only not reaped (its parent gone, under an init that does not reap): no run.
  if (readProcess(owner.pid)?.zombie) return false;
  if (owner.started !== '') return readStartTime(owner.pid) === owner.started;
  const started = readStartedAtMs(owner.pid);
  return started === undefined || started <= writtenMs + START_SLACK_MS;
}
