import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readStartedAtMs } from '../../runner/state/processes.js';
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
