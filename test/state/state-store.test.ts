import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStateStore } from '../../runner/state/state-store.js';

const fresh = () => mkdtempSync(path.join(tmpdir(), 'lab-state-'));

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
  });
});
