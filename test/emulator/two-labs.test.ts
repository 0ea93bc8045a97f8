/**
 * Two labs in one project, as chapter 2 promises: `tl` and `tl-2` run interleaved against one
 * emulator; each sees only its own resources, and one lab's cleanup leaves the other intact.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { listResources } from '../helpers/emulator-api.js';
import { createWorkspace, PROJECT_ROOT } from '../helpers/lab.js';
import { privateHome, startLabEmulator, type LabEmulator } from '../helpers/lab-emulator.js';

const book = path.join(PROJECT_ROOT, 'docs');
const home = privateHome();
let emulator: LabEmulator;

beforeAll(async () => {
  emulator = await startLabEmulator();
}, 300_000);
afterAll(async () => {
  await emulator?.stop();
  home.remove();
});

const mine = (resources: string[], prefix: string) => resources.filter((line) => new RegExp(`^\\w+ ${prefix}-(?!2-)`).test(line));

describe('two labs in one project', () => {
  it('keeps the labs apart: each builds its own, and one cleanup leaves the other intact', async () => {
    const workspace = createWorkspace('fleet');
    onTestFinished(() => rmSync(workspace.dir, { recursive: true, force: true }));
    const lab = (prefix: string, args: string[]) =>
      workspace.lab([...args, '--book', book, '--state', `${workspace.dir}/state-${prefix}`], {
        ...home.env,
        ...emulator.env,
        PREFIX: prefix,
      });
    const [first, second] = await Promise.all([
      lab('tl', ['rehearse', '2', '3', '5', '--keep']),
      lab('tl-2', ['rehearse', '2', '3', '5', '--keep']),
    ]);
    expect(first.exitCode, first.stdout).toBe(0);
    expect(second.exitCode, second.stdout).toBe(0);
    const built = await listResources(emulator.url);
    expect(mine(built, 'tl')).toHaveLength(mine(built, 'tl-2').length);
    expect(built).toContain('networks tl-net');
    expect(built).toContain('networks tl-2-net');
    expect(built.filter((line) => line.startsWith('instances tl-2-'))).toHaveLength(6);

    const cleanup = await lab('tl', ['run', 'chapter-14', '--force']);
    expect(cleanup.exitCode, cleanup.stdout).toBe(0);
    const afterFirst = await listResources(emulator.url);
    expect(mine(afterFirst, 'tl')).toEqual([]);
    expect(afterFirst).toEqual(mine(built, 'tl-2'));

    const cleanupSecond = await lab('tl-2', ['run', 'chapter-14', '--force']);
    expect(cleanupSecond.exitCode, cleanupSecond.stdout).toBe(0);
    expect(await listResources(emulator.url)).toEqual([]);
  }, 1_800_000);
});
