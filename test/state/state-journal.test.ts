import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { LAB_BIN } from '../helpers/lab.js';
import { openStateStore, type StepRecord } from '../../runner/state/state-store.js';

const made: string[] = [];
const fresh = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lab-journal-'));
  made.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A one-chapter book of workstation steps, each `sh` fence one command. */
function writeBook(dir: string, commands: string[]): void {
  mkdirSync(path.join(dir, 'docs'));
  writeFileSync(path.join(dir, 'docs/book.yaml'), 'title: Journal\nchapters:\n  - 01-steps.md\n');
  const fences = commands.map((command, index) => `Step ${index + 1}.\n\n\`\`\`sh {sh id=step-${index + 1}}\n${command}\n\`\`\`\n`);
  writeFileSync(path.join(dir, 'docs/01-steps.md'), `# Steps\n\n${fences.join('\n')}`);
}

function lab(dir: string, args: string[]) {
  return execa(process.execPath, [LAB_BIN, ...args], { cwd: dir, reject: false, stdin: 'ignore', env: { NO_COLOR: '1', CI: '' } });
}

const passed = (hash: string): StepRecord => ({
  status: 'passed',
  hash,
  finishedAt: '2026-11-27T03:00:00.000Z',
  durationMs: 3,
  attempts: 1,
  hosts: { workstation: { status: 'passed', exitCode: 0, durationMs: 3, attempts: 1 } },
});

describe('the state journal', () => {
  it('keeps each recorded step and the variables as they were, for the next load, in a file only its owner reads', () => {
    const dir = fresh();
    const store = openStateStore(dir, '/book');
    store.record('first', passed('h1'), { vars: { A: '1' }, secret: [] });
    store.record('second', passed('h2'), { vars: { A: '2', TOKEN: 't0ken-value' }, secret: ['TOKEN'] });
    const state = openStateStore(dir, '/book').load();
    expect(Object.keys(state.steps)).toEqual(['first', 'second']);
    expect(state.vars).toEqual({ A: '2', TOKEN: 't0ken-value' });
    expect(state.secret).toEqual(['TOKEN']);
    expect(statSync(path.join(dir, 'state.journal')).mode & 0o777).toBe(0o600);
  });

  it('ignores a last line cut short by a kill, keeping the lines before it', () => {
    const dir = fresh();
    const store = openStateStore(dir, '/book');
    store.record('first', passed('h1'), { vars: { A: '1' }, secret: [] });
    appendFileSync(path.join(dir, 'state.journal'), '{"after":"none","step":"second","rec');
    const state = openStateStore(dir, '/book').load();
    expect(Object.keys(state.steps)).toEqual(['first']);
    expect(state.vars).toEqual({ A: '1' });
  });

  it('starts over at each save, and a line written before that save never undoes what the save holds', () => {
    const dir = fresh();
    const store = openStateStore(dir, '/book');
    const state = store.load();
    store.record('first', passed('h1'), { vars: { A: '1' }, secret: [] });
    const before = readFileSync(path.join(dir, 'state.journal'), 'utf8');
    state.steps.first = passed('h1');
    state.vars = { A: '2' };
    store.save(state);
    expect(readFileSync(path.join(dir, 'state.journal'), 'utf8')).toBe('');
    // As if the runner had died between writing the state and emptying the journal.
    writeFileSync(path.join(dir, 'state.journal'), before);
    expect(openStateStore(dir, '/book').load().vars).toEqual({ A: '2' });
  });

  it('goes with the state on reset', () => {
    const dir = fresh();
    const store = openStateStore(dir, '/book');
    store.record('first', passed('h1'), { vars: {}, secret: [] });
    store.reset();
    expect(openStateStore(dir, '/book').load().steps).toEqual({});
    expect(existsSync(path.join(dir, 'state.journal')) && readFileSync(path.join(dir, 'state.journal'), 'utf8') !== '').toBe(false);
  });
});

describe('a run killed with SIGKILL', () => {
  it('never runs again a step that passed before it was killed, however quickly the steps came', async () => {
    const dir = fresh();
    // The third step kills the runner (its parent's parent: the step shell's $PPID is lab) at once,
    // the first time only; every step notes that it ran.
    writeBook(dir, [
      'echo 1 >> ran.txt',
      'echo 2 >> ran.txt; export AFTER_TWO=yes',
      '[ -e killed ] || { touch killed; kill -KILL "$PPID"; sleep 5; }; echo 3 >> ran.txt',
      'echo "4 $AFTER_TWO" >> ran.txt',
    ]);
    const killed = await lab(dir, ['run', 'chapter-1']);
    expect(killed.signal).toBe('SIGKILL');
    const resumed = await lab(dir, ['run', 'chapter-1']);
    expect(resumed.exitCode).toBe(0);
    expect(readFileSync(path.join(dir, '.lab/work/ran.txt'), 'utf8')).toBe('1\n2\n3\n4 yes\n');
  });
});
