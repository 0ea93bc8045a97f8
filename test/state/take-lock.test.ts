import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readProcess, readStartedAtMs, readStartTime } from '../../runner/state/processes.js';
import { takeLock } from '../../runner/state/take-lock.js';

const made: string[] = [];
const fresh = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lab-lock-'));
  made.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const busy = () => new Error('busy');
const ignore = () => {};

describe('takeLock', () => {
  it('takes a legacy lock (only a pid) whose process started after the lock file was written: after a reboot pid 1 is not that run', () => {
    const file = path.join(fresh(), 'lock');
    writeFileSync(file, '1\n');
    // Written long before this system booted, as a lock left in a state folder over a reboot.
    const bootedAt = readStartedAtMs(1)!;
    utimesSync(file, new Date(bootedAt - 3_600_000), new Date(bootedAt - 3_600_000));
    const release = takeLock(file, busy, ignore);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ pid: process.pid });
    release();
    expect(existsSync(file)).toBe(false);
  });

  it('still reads a legacy lock as a live run when its process started before the lock file was written', () => {
    const file = path.join(fresh(), 'lock');
    writeFileSync(file, '1\n');
    expect(() => takeLock(file, busy, ignore)).toThrow('busy');
    expect(readFileSync(file, 'utf8')).toBe('1\n');
  });

  it('takes the lock of a run that died but was never reaped (a zombie under an init that does not reap)', async () => {
    const file = path.join(fresh(), 'lock');
    // `sleep 0` ends; its parent has become `sleep 30`, which never waits for it.
    const parent = spawn('bash', ['-c', 'sleep 0 & exec sleep 30'], { stdio: 'ignore' });
    try {
      let zombie: number | undefined;
      for (let i = 0; i < 200 && zombie === undefined; i++) {
        zombie = readdirSync('/proc')
          .map(Number)
          .find((pid) => readProcess(pid)?.ppid === parent.pid && readProcess(pid)?.zombie);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(zombie).toBeDefined();
      writeFileSync(file, JSON.stringify({ pid: zombie, started: readStartTime(zombie!), token: 'dead' }));
      const release = takeLock(file, busy, ignore);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ pid: process.pid });
      release();
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it("refuses a FIFO by the lock's name, with what to do, instead of waiting for a writer forever", () => {
    const file = path.join(fresh(), 'lock');
    execFileSync('mkfifo', [file]);
    expect(() => takeLock(file, busy, ignore)).toThrow(`${file} is not a lock file; remove it if no lab run is going on`);
  });

  it('reads when a process started to within about a second', () => {
    const before = Date.now();
    const child = spawn('sleep', ['5']);
    const after = Date.now();
    try {
      const started = readStartedAtMs(child.pid!)!;
      expect(started).toBeGreaterThanOrEqual(before - 1000);
      expect(started).toBeLessThanOrEqual(after + 1000);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
