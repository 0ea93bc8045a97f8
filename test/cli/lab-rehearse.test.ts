/**
 * `lab rehearse` on the real book: its chapters for real against the emulator with the real
 * gcloud and instances as hosts, until the first step that cannot run offline, then the cleanup
 * chapter and the proof that nothing is left.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { requireGcloud } from '../helpers/emulator.js';
import { createWorkspace, PROJECT_ROOT } from '../helpers/lab.js';
import { privateHome } from '../helpers/lab-emulator.js';

const book = path.join(PROJECT_ROOT, 'docs');
const home = privateHome();
afterAll(() => home.remove());

describe('lab rehearse', () => {
  it('runs the real book from chapter 2 to the first step that needs the internet or a kernel, then cleans up and proves nothing is left', async () => {
    requireGcloud();
    const workspace = createWorkspace('fleet');
    onTestFinished(() => rmSync(workspace.dir, { recursive: true, force: true }));
    const result = await workspace.lab(['rehearse', '--book', book, '--state', `${workspace.dir}/state`], {
      ...home.env,
      CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE: '',
    });
    expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(0);
    const table = result.stdout.slice(result.stdout.indexOf('Rehearsal against the Compute Engine emulator:'));
    for (const chapter of [
      'chapter-2 +Prerequisites',
      'chapter-3 +Compute resources',
      'chapter-4 +The certificate authority',
      'chapter-5 +The API load balancer',
    ]) {
      expect(table).toMatch(new RegExp(`${chapter}.* (\\d+) passed of \\1\\n`));
    }
    expect(table).toContain('stopped at  chapter-6 step 1 (06-node-preparation.md:17');
    expect(table).toContain('kernel modules (modprobe)');
    expect(table).toContain('left over   nothing of kubeadm-lab');
    expect(table).not.toMatch(/failed/);
  }, 1_200_000);

  it('refuses an exported compute endpoint that is not a lab emulator, and runs nothing', async () => {
    const workspace = createWorkspace('fleet');
    onTestFinished(() => rmSync(workspace.dir, { recursive: true, force: true }));
    const result = await workspace.lab(['rehearse', '--book', book], {
      ...home.env,
      CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE: 'http://127.0.0.1:9/compute/v1/',
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('points at http://127.0.0.1:9/compute/v1/, which is not a lab emulator; unset it');
  });
});
