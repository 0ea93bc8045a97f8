import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { environmentHolds, readProcess, readStartTimesFromPs } from '../../runner/state/processes.js';

const made: string[] = [];
const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function start(command: string, env: NodeJS.ProcessEnv = { PATH: process.env.PATH }): ChildProcess {
  const child = spawn(command, ['300'], { detached: true, stdio: 'ignore', env });
  started.push(child);
  return child;
}

describe('processes', () => {
  it('reads the group and session of a process whose name holds spaces and parentheses, as a hostile one may', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lab-processes-'));
    made.push(dir);
    const sneaky = path.join(dir, 'a) S 1 1 1 (b');
    symlinkSync(execFileSync('bash', ['-c', 'command -v sleep'], { encoding: 'utf8' }).trim(), sneaky);
    const child = start(sneaky);
    expect(readProcess(child.pid!)).toMatchObject({ pid: child.pid, ppid: process.pid, pgid: child.pid, sid: child.pid, zombie: false });
  });

  it('finds an environment entry only whole: a token is never taken for one it begins', () => {
    const child = start('sleep', { PATH: process.env.PATH, LAB_RUN: 'abcd' });
    expect(environmentHolds(child.pid!, 'LAB_RUN=abcd')).toBe(true);
    expect(environmentHolds(child.pid!, 'LAB_RUN=abc')).toBe(false);
    expect(environmentHolds(child.pid!, 'RUN=abcd')).toBe(false);
  });

  it("tells every process's start time in one ps call, in the very words ps gives for one process", () => {
    const child = start('sleep');
    const times = readStartTimesFromPs();
    for (const pid of [1, process.pid, child.pid!]) {
      expect(times.get(pid)).toBe(execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8' }).trim());
    }
  });
});
