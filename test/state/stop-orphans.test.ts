/** What a new run stops of a dead run, through takeLock, on real processes. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { readProcess, readStartTime } from '../../runner/state/processes.js';
import { takeLock } from '../../runner/state/take-lock.js';

const made: string[] = [];
const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const busy = () => new Error('busy');
const DEAD_PID = 999_999_999;

/** A state folder whose lock a run that died (pid DEAD_PID) left with `token`. */
function deadRunLock(token: string): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'lab-orphans-'));
  made.push(dir);
  const file = path.join(dir, 'lock');
  writeFileSync(file, JSON.stringify({ pid: DEAD_PID, started: '1', token }), { mode: 0o600 });
  return { dir, file };
}

/** The dead run's record beside its lock, as run-record.ts writes it. */
function writeRecord(file: string, token: string, lines: string[], mode = 0o600): string {
  const record = `${file}.run.${token}`;
  writeFileSync(record, [`run ${DEAD_PID} 1`, ...lines, ''].join('\n'), { mode });
  chmodSync(record, mode);
  return record;
}

/** A process group of its own running `script`, with `LAB_RUN` set to `token` or absent. */
function startGroup(script: string, token?: string): ChildProcess {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, ...(token ? { LAB_RUN: token } : {}) };
  const child = spawn('bash', ['-c', script], { detached: true, stdio: 'ignore', env });
  started.push(child);
  return child;
}

const newToken = () => randomBytes(12).toString('hex');
/** Alive, not dead and waiting for its parent to reap it. */
const isAlive = (pid: number) => readProcess(pid)?.zombie === false;

function groupMembers(pgid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => readProcess(pid)?.pgid === pgid && isAlive(pid));
}

async function waitForMembers(pgid: number, count: number): Promise<number[]> {
  for (let i = 0; i < 200; i++) {
    const members = groupMembers(pgid);
    if (members.length >= count) return members;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`group ${pgid} never had ${count} processes`);
}

describe('taking a dead run’s lock', () => {
  it("stops every process carrying the dead run's token, says which, and leaves another run's processes alone", async () => {
    const token = newToken();
    const { file } = deadRunLock(token);
    const orphan = startGroup('sleep 300 & wait', token);
    const members = await waitForMembers(orphan.pid!, 2);
    const other = startGroup('sleep 300', newToken());
    await waitForMembers(other.pid!, 1);
    const lines: string[] = [];
    const release = takeLock(file, busy, (line) => lines.push(line));
    expect(members.filter(isAlive)).toEqual([]);
    expect(isAlive(other.pid!)).toBe(true);
    expect(lines).toEqual([
      `Stopped 2 processes a lab run that died (pid ${DEAD_PID}) left running (pid ${members.sort((a, b) => a - b).join(', ')}) before going on.`,
    ]);
    release();
  });

  it("stops a child of the dead run's process that left its session and cleared its environment, as sudo's command does", async () => {
    const token = newToken();
    const { file } = deadRunLock(token);
    const parent = startGroup('setsid env -i sleep 300 & wait', token);
    await waitForMembers(parent.pid!, 1);
    let child: number | undefined;
    for (let i = 0; i < 200 && child === undefined; i++) {
      child = readdirSync('/proc')
        .map(Number)
        .find((pid) => readProcess(pid)?.ppid === parent.pid && readProcess(pid)?.sid === pid);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(isAlive(child!)).toBe(true);
    const release = takeLock(file, busy, () => {});
    expect(isAlive(child!)).toBe(false);
    release();
  });

  it('names ten pids at most, so the line stays one line', async () => {
    const token = newToken();
    const { file } = deadRunLock(token);
    const orphan = startGroup('for i in 1 2 3 4 5 6 7 8 9 10 11; do sleep 300 & done; wait', token);
    const members = (await waitForMembers(orphan.pid!, 12)).sort((a, b) => a - b);
    const lines: string[] = [];
    takeLock(file, busy, (line) => lines.push(line))();
    expect(lines).toEqual([
      `Stopped 12 processes a lab run that died (pid ${DEAD_PID}) left running (pid ${members.slice(0, 10).join(', ')} and 2 more) before going on.`,
    ]);
  });

  it('kills what ignores SIGTERM 2 s later, and returns only once it is gone', async () => {
    const token = newToken();
    const { file } = deadRunLock(token);
    const orphan = startGroup("trap '' TERM; sleep 300 & wait", token);
    const members = await waitForMembers(orphan.pid!, 2);
    const start = Date.now();
    const release = takeLock(file, busy, () => {});
    expect(Date.now() - start).toBeGreaterThanOrEqual(2000);
    expect(members.filter(isAlive)).toEqual([]);
    release();
  });

  it('stops a recorded group whose leader has no token (sudo clears the environment) by its start time, never a pid reused since', async () => {
    const token = newToken();
    const { file } = deadRunLock(token);
    const leader = startGroup('sleep 300 & wait');
    const members = await waitForMembers(leader.pid!, 2);
    const reused = startGroup('sleep 300');
    await waitForMembers(reused.pid!, 1);
    const record = writeRecord(file, token, [
      `group ${leader.pid} ${readStartTime(leader.pid!)}`,
      `group ${reused.pid} ${Number(readStartTime(reused.pid!)) - 100}`,
    ]);
    const release = takeLock(file, busy, () => {});
    expect(members.filter(isAlive)).toEqual([]);
    expect(isAlive(reused.pid!)).toBe(true);
    expect(existsSync(record)).toBe(false);
    release();
  });

  it('stops what an earlier dead run left when the run that broke its lock died too before stopping it', async () => {
    const earlier = newToken();
    const { file } = deadRunLock(newToken());
    // The earlier run's lock is gone (broken by the run that died next); its record is still there.
    const record = writeRecord(file, earlier, []);
    const orphan = startGroup('sleep 300', earlier);
    await waitForMembers(orphan.pid!, 1);
    const lines: string[] = [];
    takeLock(file, busy, (line) => lines.push(line))();
    expect(isAlive(orphan.pid!)).toBe(false);
    expect(lines).toEqual([`Stopped 1 process a lab run that died (pid ${DEAD_PID}) left running (pid ${orphan.pid}) before going on.`]);
    expect(existsSync(record)).toBe(false);
  });

  it('leaves alone a run whose lock was removed by hand while it still runs', async () => {
    const token = newToken();
    const { file } = deadRunLock(token);
    rmSync(file);
    const alive = startGroup('sleep 300');
    await waitForMembers(alive.pid!, 1);
    const record = `${file}.run.${token}`;
    writeFileSync(record, `run ${alive.pid} ${readStartTime(alive.pid!)}\ngroup ${alive.pid} ${readStartTime(alive.pid!)}\n`, {
      mode: 0o600,
    });
    const release = takeLock(file, busy, () => {});
    expect(isAlive(alive.pid!)).toBe(true);
    expect(existsSync(record)).toBe(true);
    release();
  });

  it('trusts no record that others could have written', async () => {
    const token = newToken();
    const { file } = deadRunLock(token);
    const listed = startGroup('sleep 300');
    await waitForMembers(listed.pid!, 1);
    writeRecord(file, token, [`group ${listed.pid} ${readStartTime(listed.pid!)}`], 0o666);
    const release = takeLock(file, busy, () => {});
    expect(isAlive(listed.pid!)).toBe(true);
    release();
  });

  it("does not wait forever on a FIFO by a record's name", () => {
    const token = newToken();
    const { file } = deadRunLock(token);
    execFileSync('mkfifo', [`${file}.run.${token}`]);
    takeLock(file, busy, () => {})();
  });

  it("empties the dead run's scratch folder inside the state folder, never a folder elsewhere", () => {
    const token = newToken();
    const { dir, file } = deadRunLock(token);
    const scratch = path.join(dir, 'tmp');
    const elsewhere = path.join(dir, 'not-state', 'tmp');
    for (const folder of [scratch, elsewhere]) {
      mkdirSync(folder, { recursive: true });
      writeFileSync(path.join(folder, 'step.sh'), 'export TOKEN=secret\n');
    }
    writeRecord(file, token, [`scratch ${scratch}`, `scratch ${elsewhere}`]);
    takeLock(file, busy, () => {})();
    expect(readdirSync(scratch)).toEqual([]);
    expect(readdirSync(elsewhere)).toEqual(['step.sh']);
  });

  it("never stops the process taking the lock, nor its ancestors, though they carry the dead run's token", async () => {
    const token = newToken();
    const { dir, file } = deadRunLock(token);
    const sibling = startGroup('sleep 300', token);
    await waitForMembers(sibling.pid!, 1);
    const module = await bundleTakeLock(dir);
    const script = `import { takeLock } from ${JSON.stringify(module)}; takeLock(${JSON.stringify(file)}, () => new Error('busy'), (line) => console.log(line))(); console.log('took');`;
    // As `lab run` started from a step of the run that died: its shell carries the token too.
    const result = await execa('bash', ['-c', `"${process.execPath}" --input-type=module -e "$SCRIPT"; echo "shell alive"`], {
      env: { PATH: process.env.PATH, LAB_RUN: token, SCRIPT: script },
      extendEnv: false,
      reject: false,
    });
    expect(result.stdout).toBe(
      `Stopped 1 process a lab run that died (pid ${DEAD_PID}) left running (pid ${sibling.pid}) before going on.\ntook\nshell alive`,
    );
    expect(isAlive(sibling.pid!)).toBe(false);
  });

  it("says what it could not stop: another user's process, such as a root step under sudo", async () => {
    const token = newToken();
    const { dir, file } = deadRunLock(token);
    const rootStep = startGroup('sleep 300');
    await waitForMembers(rootStep.pid!, 1);
    writeRecord(file, token, [`group ${rootStep.pid} ${readStartTime(rootStep.pid!)}`]);
    const module = await bundleTakeLock(dir);
    // The state folder and its files belong to the user lab runs as.
    for (const name of [dir, ...readdirSync(dir).map((entry) => path.join(dir, entry))]) chownSync(name, 65534, 65534);
    const script = `import { takeLock } from ${JSON.stringify(module)}; takeLock(${JSON.stringify(file)}, () => new Error('busy'), (line) => console.log(line))();`;
    const result = await execa(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, reject: false });
    expect(result.stdout).toBe(
      `1 process of a lab run that died (pid ${DEAD_PID}) could not be stopped (pid ${rootStep.pid}, another user's): stop it with \`sudo kill ${rootStep.pid}\`.`,
    );
    expect(isAlive(rootStep.pid!)).toBe(true);
  });
});

/** takeLock as a module of its own in `dir`, for a process other than this one (another pid, another user) to take the lock. */
async function bundleTakeLock(dir: string): Promise<string> {
  const module = path.join(dir, 'take-lock.mjs');
  await build({
    entryPoints: ['runner/state/take-lock.ts'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: module,
    logLevel: 'error',
  });
  return module;
}
