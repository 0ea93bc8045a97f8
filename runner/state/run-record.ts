/**
 * The lock's sidecar: what the run holding the lock started that the next run must stop if this
 * one dies with its watchdogs (the OOM killer, `kill -9` of all of them). It lists the watchdogs,
 * the process groups started through the watchdog (sudo steps, ssh clients and masters), each with
 * its leader's start time so a pid the system has since reused is never taken for it, and the
 * scratch folder. Written only by the lock's owner, append-only, 0600, one short line a record.
 *
 * Workstation steps are not listed one by one (that would cost the step loop a write each): every
 * process the run starts carries the run's token in its environment (`LAB_RUN`), which the next
 * run finds in /proc. sudo clears the environment and hides a root process's, hence the groups.
 */
import { closeSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { readStartTime } from './processes.js';
import { readRegularFile } from './read-regular-file.js';

/** The environment variable naming the run that started a process. */
export const RUN_TOKEN_VARIABLE = 'LAB_RUN';

export interface RecordedProcess {
  kind: 'watchdog' | 'group';
  pid: number;
  /** The leader's start time when it was recorded (readStartTime). */
  started: string;
}

export interface RunRecord {
  file: string;
  token: string;
  /** The run's own process, when the record got that far. */
  owner?: { pid: number; started: string };
  processes: RecordedProcess[];
  scratch: string[];
}

/** The record of the lock this process took last, which what it starts is written to. */
let current: { fd: number; file: string } | undefined;

/** The sidecar of the lock `lockFile` taken with `token`. */
function runRecordFile(lockFile: string, token: string): string {
  return `${lockFile}.run.${token}`;
}

/**
 * Starts the record of the run that just took the lock; from now on, what it starts is findable
 * by the next run. Returns what ends it, at the run's end, when nothing it started is left.
 */
export function startRunRecord(lockFile: string, token: string, owner: { pid: number; started: string }): () => void {
  const file = runRecordFile(lockFile, token);
  // 'ax': a new file only, never one (or a link) someone put there.
  const record = { fd: openSync(file, 'ax', 0o600), file };
  current = record;
  append(`run ${owner.pid} ${owner.started}`);
  process.env[RUN_TOKEN_VARIABLE] = token;
  return () => {
    closeSync(record.fd);
    rmSync(record.file, { force: true });
    if (current === record) current = undefined;
    if (process.env[RUN_TOKEN_VARIABLE] === token) delete process.env[RUN_TOKEN_VARIABLE];
  };
}

/** Lists a process the run started (a watchdog, or a group's leader) with its start time. */
export function recordProcess(kind: RecordedProcess['kind'], pid: number): void {
  if (current) append(`${kind} ${pid} ${readStartTime(pid)}`);
}

export function recordScratch(dir: string): void {
  if (current) append(`scratch ${dir}`);
}

function append(line: string): void {
  // One write on an O_APPEND file: a record is never interleaved or half there for a reader.
  writeSync(current!.fd, `${line.replaceAll('\n', ' ')}\n`);
}

/**
 * The records beside `lockFile` of runs other than `ownToken`'s: runs that did not end cleanly.
 * Only records this user's lab wrote count (its own file, writable by no one else), so nothing is
 * stopped on the word of a file anyone could forge.
 */
export function readOtherRunRecords(lockFile: string, ownToken: string): RunRecord[] {
  const prefix = path.basename(runRecordFile(lockFile, ''));
  let names: string[];
  try {
    names = readdirSync(path.dirname(lockFile));
  } catch {
    return [];
  }
  const records: RunRecord[] = [];
  for (const name of names) {
    const token = name.slice(prefix.length);
    if (!name.startsWith(prefix) || token === ownToken || !/^[0-9a-f]+$/.test(token)) continue;
    const file = path.join(path.dirname(lockFile), name);
    const read = readRegularFile(file);
    if (!read || (process.getuid && read.stat.uid !== process.getuid()) || (read.stat.mode & 0o022) !== 0) continue;
    records.push(parseRunRecord(file, token, read.text));
  }
  return records;
}

function parseRunRecord(file: string, token: string, text: string): RunRecord {
  const record: RunRecord = { file, token, processes: [], scratch: [] };
  for (const line of text.split('\n')) {
    const [kind, value = '', ...rest] = line.split(' ');
    const pid = Number(value);
    const started = rest.join(' ');
    if (kind === 'scratch' && value !== '') record.scratch.push(line.slice('scratch '.length));
    else if (!Number.isInteger(pid) || pid <= 1) continue;
    else if (kind === 'run') record.owner = { pid, started };
    else if (kind === 'watchdog' || kind === 'group') record.processes.push({ kind, pid, started });
  }
  return record;
}
