import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeWatchdog, forgetGroup, listGroup, watchGroup, watchScratchDir } from '../../runner/execute/watchdog.js';
import { readStartTime } from '../../runner/state/processes.js';
import { takeLock } from '../../runner/state/take-lock.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the watchdog', () => {
  it("names itself, each group it watches (with its leader's start time) and the scratch folder in the lock's record, and a workstation step not at all", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lab-watchdog-'));
    made.push(dir);
    const file = path.join(dir, 'lock');
    const release = takeLock(
      file,
      () => new Error('busy'),
      () => {},
    );
    const token = (JSON.parse(readFileSync(file, 'utf8')) as { token: string }).token;
    const record = `${file}.run.${token}`;
    const group = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    try {
      watchScratchDir(path.join(dir, 'tmp'));
      watchGroup(group.pid!);
      listGroup(group.pid! + 1);
      forgetGroup(group.pid!);
      const lines = readFileSync(record, 'utf8').trim().split('\n');
      expect(lines[0]).toBe(`run ${process.pid} ${readStartTime(process.pid)}`);
      const watchdog = Number(/^watchdog (\d+) /.exec(lines[1]!)?.[1]);
      expect(lines.slice(1)).toEqual([
        `watchdog ${watchdog} ${readStartTime(watchdog)}`,
        `scratch ${path.join(dir, 'tmp')}`,
        `group ${group.pid} ${readStartTime(group.pid!)}`,
      ]);
      expect(statSync(record).mode & 0o777).toBe(0o600);
      // The runner's token, which everything it starts inherits.
      expect(process.env.LAB_RUN).toBe(token);
    } finally {
      group.kill('SIGKILL');
      closeWatchdog();
      release();
    }
    expect(() => statSync(record)).toThrow();
    expect(process.env.LAB_RUN).toBeUndefined();
  });
});
