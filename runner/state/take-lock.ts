/**
 * The lock that lets one run at a time use a state folder. A lock file holds its owner's pid, the
 * owner's start time (so a pid the system has since given to another process is not taken for
 * the owner) and a random token (so a run releases only its own lock).
 *
 * Taking is atomic: the content is written to a file of the run's own, then hard-linked to the
 * lock's name, which fails if a lock is there. A stale lock is broken by renaming it aside and
 * checking that what was renamed is the stale lock that was judged; if another run broke it first
 * and took the lock, that run's lock is linked back and this run is told the state is in use.
 */
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { linkSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { LabError } from '../errors.js';

export interface LockOwner {
  pid: number;
  /** When the process started, as the system reports it; empty when it cannot tell. */
  started: string;
  token: string;
}

/** Takes the lock at `file`, or throws the error `busy` makes of its live owner. */
export function takeLock(file: string, busy: (owner: LockOwner) => Error): () => void {
  const owner: LockOwner = { pid: process.pid, started: readStartTime(process.pid), token: randomBytes(12).toString('hex') };
  const candidate = `${file}.${owner.token}`;
  writeFileSync(candidate, `${JSON.stringify(owner)}\n`, { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(candidate, file);
        return () => releaseLock(file, owner.token);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = readOwner(file);
      if (holder === undefined) {
        // A folder (or anything but a file) by the lock's name is no lock any run will release.
        if (statSync(file, { throwIfNoEntry: false })?.isFile() === false) {
          throw new LabError(`${file} is not a lock file; remove it if no lab run is going on`);
        }
        continue; // released meanwhile
      }
      if (isRunning(holder)) throw busy(holder);
      breakStaleLock(file, holder, owner.token);
    }
  } finally {
    rmSync(candidate, { force: true });
  }
  throw new LabError(`Could not take the lock ${file}; remove it if no lab run is going on`);
}

function breakStaleLock(file: string, stale: LockOwner, token: string): void {
  const aside = `${file}.stale.${token}`;
  try {
    renameSync(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // another run broke it
    throw error;
  }
  const moved = readOwner(aside);
  if (moved !== undefined && moved.token !== stale.token) {
    // Another run broke the stale lock and took it between our read and our rename: give it back.
    try {
      linkSync(aside, file);
    } catch {
      // A third run took the name meanwhile; its lock stands.
    }
  }
  rmSync(aside, { force: true });
}

function releaseLock(file: string, token: string): void {
  // Only our own lock: a run that finds someone else's lock there leaves it alone.
  if (readOwner(file)?.token === token) rmSync(file, { force: true });
}

function readOwner(file: string): LockOwner | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
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

/** The process is alive and is the one that took the lock (not a later process with its pid). */
function isRunning(owner: LockOwner): boolean {
  if (owner.pid <= 0) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return owner.started === '' || readStartTime(owner.pid) === owner.started;
}

/** Field 22 of /proc/PID/stat (ticks after boot) on Linux; `ps -o lstart=` elsewhere. */
export function readStartTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    const ps = spawnSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8' });
    return ps.status === 0 ? ps.stdout.trim() : '';
  }
}
