import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { execa } from 'execa';
import { openStateStore } from '../../runner/state/state-store.js';
import { readStartTime } from '../../runner/state/take-lock.js';

const made: string[] = [];
const fresh = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lab-state-'));
  made.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('openStateStore', () => {
  it('starts empty and reads back what it saved, leaving no temporary file', () => {
    const dir = fresh();
    const store = openStateStore(dir, '/book');
    const state = store.load();
    expect(state).toEqual({ version: 1, book: '/book', vars: {}, secret: [], steps: {} });
    state.vars.A = '1';
    store.save(state);
    expect(openStateStore(dir, '/book').load().vars).toEqual({ A: '1' });
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('refuses a state that belongs to another book, and says what to do', () => {
    const dir = fresh();
    openStateStore(dir, '/book-a').save({ version: 1, book: '/book-a', vars: {}, secret: [], steps: {} });
    expect(() => openStateStore(dir, '/book-b').load()).toThrow(/belongs to the book in \/book-a, not \/book-b; pass --state DIR/);
  });

  it('says how to recover from a corrupt state file', () => {
    const dir = fresh();
    writeFileSync(path.join(dir, 'state.json'), '{');
    expect(() => openStateStore(dir, '/b').load()).toThrow(/state.json is not valid JSON .*run `lab reset`/);
  });

  it.each([
    ['null', 'null', /its top level/],
    ['vars: null', '{"version":1,"book":"/b","vars":null,"secret":[],"steps":{}}', /`vars`/],
    ['a step without its fields', '{"version":1,"book":"/b","vars":{},"secret":[],"steps":{"s":{}}}', /`steps\.s\.status`/],
  ])('refuses a state file holding %s, and says to run lab reset', (_, text, where) => {
    const dir = fresh();
    writeFileSync(path.join(dir, 'state.json'), text);
    expect(() => openStateStore(dir, '/b').load()).toThrow(where);
    expect(() => openStateStore(dir, '/b').load()).toThrow(/is not a lab state .*run `lab reset` to start afresh/);
  });

  it('refuses a state.json that is a folder or a FIFO instead of reading it as no state or hanging', async () => {
    const folder = fresh();
    mkdirSync(path.join(folder, 'state.json'));
    expect(() => openStateStore(folder, '/b').load()).toThrow(/state.json is not a file; move it away or run `lab reset`/);
    const fifo = fresh();
    await execa('mkfifo', [path.join(fifo, 'state.json')]);
    expect(() => openStateStore(fifo, '/b').load()).toThrow(/state.json is not a file/);
  });

  it('refuses a lock that is a folder, with what to do, instead of crashing', () => {
    const dir = fresh();
    mkdirSync(path.join(dir, 'lock'));
    expect(() => openStateStore(dir, '/b').lock()).toThrow(/lock is not a lock file; remove it if no lab run is going on/);
  });

  it('keeps a variable and a step named __proto__ as ordinary entries when it reads the state back', () => {
    const dir = fresh();
    writeFileSync(path.join(dir, 'state.json'), '{"version":1,"book":"/b","vars":{"__proto__":"kept"},"secret":[],"steps":{}}');
    const state = openStateStore(dir, '/b').load();
    expect(Object.hasOwn(state.vars, '__proto__')).toBe(true);
    expect(state.vars['__proto__']).toBe('kept');
  });

  it("lets one run at a time hold the lock, and takes over a dead run's lock", () => {
    const dir = fresh();
    const store = openStateStore(dir, '/b');
    const unlock = store.lock();
    expect(() => store.lock()).toThrow(`Another lab run (pid ${process.pid}) is using ${dir}`);
    unlock();
    writeFileSync(path.join(dir, 'lock'), '999999999');
    const again = store.lock();
    again();
    expect(existsSync(path.join(dir, 'lock'))).toBe(false);
    expect(readdirSync(dir).filter((name) => name.startsWith('lock'))).toEqual([]);
  });

  it('takes a lock whose pid now belongs to another process (the run died, the pid was reused)', () => {
    const dir = fresh();
    const reused = { pid: process.pid, started: 'a start time that is not this process', token: 'dead-run' };
    writeFileSync(path.join(dir, 'lock'), JSON.stringify(reused));
    const unlock = openStateStore(dir, '/b').lock();
    expect(JSON.parse(readFileSync(path.join(dir, 'lock'), 'utf8'))).toMatchObject({
      pid: process.pid,
      started: readStartTime(process.pid),
    });
    unlock();
  });

  it('releases only its own lock, never one another run took', () => {
    const dir = fresh();
    const unlock = openStateStore(dir, '/b').lock();
    const other = JSON.stringify({ pid: process.pid, started: readStartTime(process.pid), token: 'another-run' });
    writeFileSync(path.join(dir, 'lock'), other);
    unlock();
    expect(readFileSync(path.join(dir, 'lock'), 'utf8')).toBe(other);
  });

  it("lets exactly one of many runs racing for a dead run's lock take it", async () => {
    const dir = fresh();
    writeFileSync(path.join(dir, 'lock'), '999999999');
    // Each racer is a process of its own, with the store compiled to plain JavaScript.
    const store = path.join(dir, 'store.mjs');
    await build({
      entryPoints: ['runner/state/state-store.ts'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: store,
      logLevel: 'error',
    });
    const racer = `
      import { openStateStore } from ${JSON.stringify(store)};
      try { openStateStore(${JSON.stringify(dir)}, '/b').lock(); console.log('took'); setTimeout(() => {}, 1000); }
      catch (error) { console.log(error.message.startsWith('Another lab run') ? 'busy' : error.message); }
    `;
    const runs = Array.from({ length: 8 }, () => execa(process.execPath, ['--input-type=module', '-e', racer], { reject: false }));
    const outputs = (await Promise.all(runs)).map((run) => String(run.stdout).trim());
    expect(outputs.filter((output) => output === 'took')).toHaveLength(1);
    expect(outputs.filter((output) => output === 'busy')).toHaveLength(7);
  });
});
