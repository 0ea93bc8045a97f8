/** `lab build` through the real CLI, with and without a run report. */
import { describe, expect, it } from 'vitest';
import { createWorkspace } from '../helpers/lab.js';

describe('lab build', () => {
  it('builds every page and says where to open it', async () => {
    const workspace = createWorkspace('workstation');
    const result = await workspace.lab(['build']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^Built 3 pages in \d+ ms\. Open site\/index\.html in a browser, or run `npm run preview`\.$/);
    expect(workspace.read('site/02-checks.html')).toContain('<span class="step-action">Check</span>');
  });

  it('shows when each chapter last passed, with which versions, and what its checks saw', async () => {
    const workspace = createWorkspace('workstation');
    expect((await workspace.lab(['run', '--all', '--keep', '--report', 'run.json'])).exitCode).toBe(0);
    expect((await workspace.lab(['build', '--report', 'run.json'])).exitCode).toBe(0);
    const page = workspace.read('site/02-checks.html');
    expect(page).toMatch(/<strong>Passed<\/strong> end to end in the last run, \d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d UTC\./);
    // The versions the run used, once, on the first page.
    expect(page).not.toContain('class="run-versions"');
    expect(workspace.read('site/index.html')).toContain('<li><code>WORLD_VERSION</code> 1.2.3</li>');
    expect(page).toContain('What the last run saw (workstation: passed)');
    expect(page).toContain('ready after 3 attempts');
    expect(workspace.read('site/01-basics.html')).not.toContain('hunter2');
  });

  it('says what is wrong with a report it cannot read', async () => {
    const workspace = createWorkspace('workstation');
    const missing = await workspace.lab(['build', '--report', 'nope.json']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toBe('lab: --report nope.json: no such file; pass the .json report a `lab run --report FILE.json` wrote');
    workspace.write('other.json', '{"format": "something-else"}');
    const other = await workspace.lab(['build', '--report', 'other.json']);
    expect(other.exitCode).toBe(2);
    expect(other.stderr).toContain('--report other.json is not a lab run report (its format is something-else, not kubeadm-lab-report/v1)');
  });
});
