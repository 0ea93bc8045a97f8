/**
 * A run killed in the middle of creating its instances (kill -9 of lab and of everything it
 * started, as a crashed workstation), then `lab janitor --yes`: nothing of the lab is left.
 * (kill -9 of lab alone leaves its step's bash session, in a process group of its own, creating
 * the rest of the instances after the janitor has listed them: killTree kills the whole run.)
 */
import { rmSync } from 'node:fs';
import { execa } from 'execa';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { listResources } from '../helpers/emulator-api.js';
import { createWorkspace, LAB_BIN, PROJECT_ROOT } from '../helpers/lab.js';
import { killTree } from '../helpers/process-tree.js';
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

describe('a killed run', () => {
  it('leaves nothing once lab janitor --yes has run', async () => {
    const workspace = createWorkspace('fleet');
    onTestFinished(() => rmSync(workspace.dir, { recursive: true, force: true }));
    const env = { ...process.env, ...home.env, ...emulator.env, PREFIX: 'kr', NO_COLOR: '1' };
    const run = execa(process.execPath, [LAB_BIN, 'rehearse', '2', '3', '--keep', '--book', book, '--state', `${workspace.dir}/state`], {
      cwd: workspace.dir,
      env,
      reject: false,
      stdin: 'ignore',
    });
    const deadline = Date.now() + 600_000;
    while ((await listResources(emulator.url)).filter((line) => line.startsWith('instances kr-')).length < 2) {
      if (Date.now() > deadline || run.exitCode !== null)
        throw new Error(`the run never made two instances (its exit status: ${run.exitCode})`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    killTree(run.pid!);
    await run;
    // Whatever gcloud had sent before the kill has landed; what is there now is what was left.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const left = await listResources(emulator.url);
    expect(left).toContain('networks kr-net');

    const janitor = await execa(
      process.execPath,
      [LAB_BIN, 'janitor', '--yes', '--older-than', '1s', '--prefix', 'kr', '--book', book, '--state', `${workspace.dir}/state`],
      {
        cwd: workspace.dir,
        env,
        reject: false,
        stdin: 'ignore',
      },
    );
    expect(janitor.exitCode, `${String(janitor.stdout)}\n${String(janitor.stderr)}`).toBe(0);
    expect(await listResources(emulator.url)).toEqual([]);
  }, 1_200_000);
});
