/** Ctrl-C, CI cancellation and timeouts: the whole process tree stops, state is kept, runs resume. */
import { setTimeout as sleep } from 'node:timers/promises';
import { processesMatching } from '../helpers/processes.js';
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { createWorkspace, LAB_BIN, type Workspace } from '../helpers/lab.js';

/** A sleep length no other process on the machine uses, so pgrep finds only ours. */
function uniqueNap(): string {
  return `300.${process.pid}${Math.floor(Math.random() * 1e6)}`;
}

async function waitFor(workspace: Workspace, file: string, text: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if (workspace.read(file).includes(text)) return;
    } catch {
      // not written yet
    }
    await sleep(50);
  }
  throw new Error(`${file} never contained ${text}`);
}

async function waitUntil(done: () => boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end && !done();) await sleep(50);
}

describe('Ctrl-C', () => {
  it('stops the running step and every process under it, saves state and exits 130', async () => {
    const workspace = createWorkspace('interrupt');
    const nap = uniqueNap();
    const run = workspace.start(['run', 'chapter-1'], { NAP: nap });
    await waitFor(workspace, '.lab/work/progress.txt', 'napping');
    await waitUntil(() => processesMatching(`sleep ${nap}`).length === 1, 5000);
    expect(processesMatching(`sleep ${nap}`)).toHaveLength(1);
    run.kill('SIGINT');
    const result = await run;
    expect(result.exitCode).toBe(130);
    expect(result.stdout).toContain('■ nap');
    expect(result.stdout).toMatch(/■ Interrupted at nap \(docs\/01-long\.md:7\) after .*State saved\. Resume with `lab run chapter-1`\./);
    expect(processesMatching(`sleep ${nap}`)).toEqual([]);
    const state = JSON.parse(workspace.read('.lab/state.json'));
    expect(Object.keys(state.steps)).toEqual(['before']);

    // Resume: the step that passed is not run again.
    const resumed = await workspace.lab(['run', 'chapter-1'], { NAP: '0' });
    expect(resumed.exitCode).toBe(0);
    expect(workspace.read('.lab/work/progress.txt')).toBe('before\nnapping\nnapping\nafter\n');
  });

  it('still runs the cleanup chapter with --all, then exits 130', async () => {
    const workspace = createWorkspace('interrupt');
    const nap = uniqueNap();
    const run = workspace.start(['run', '--all'], { NAP: nap });
    await waitFor(workspace, '.lab/work/progress.txt', 'napping');
    run.kill('SIGINT');
    const result = await run;
    expect(result.exitCode).toBe(130);
    expect(result.stdout).toContain('Interrupted: running the cleanup chapter so nothing is left behind (press Ctrl-C again to skip it).');
    expect(workspace.read('.lab/work/progress.txt')).toBe('before\nnapping\ncleaned\n');
    expect(processesMatching(`sleep ${nap}`)).toEqual([]);
  });

  it('treats SIGTERM from a CI runner the same way, exiting 143', async () => {
    const workspace = createWorkspace('interrupt');
    const nap = uniqueNap();
    const run = workspace.start(['run', '--all'], { NAP: nap });
    await waitFor(workspace, '.lab/work/progress.txt', 'napping');
    run.kill('SIGTERM');
    const result = await run;
    expect(result.exitCode).toBe(143);
    expect(workspace.read('.lab/work/progress.txt')).toContain('cleaned');
    expect(processesMatching(`sleep ${nap}`)).toEqual([]);
  });
});

describe('the runner dying', () => {
  it('takes the running step with it when it is killed with SIGKILL', async () => {
    const workspace = createWorkspace('interrupt');
    const nap = uniqueNap();
    const run = workspace.start(['run', 'chapter-1'], { NAP: nap });
    await waitFor(workspace, '.lab/work/progress.txt', 'napping');
    await waitUntil(() => processesMatching(`sleep ${nap}`).length === 1, 5000);
    expect(processesMatching(`sleep ${nap}`)).toHaveLength(1);
    run.kill('SIGKILL');
    await run;
    await waitUntil(() => processesMatching(`sleep ${nap}`).length === 0, 5000);
    expect(processesMatching(`sleep ${nap}`)).toEqual([]);
  });
});

describe('a closed terminal', () => {
  it('is an interrupt (SIGHUP): the step stops, the cleanup chapter runs, exit 129', async () => {
    const workspace = createWorkspace('interrupt');
    const nap = uniqueNap();
    const run = workspace.start(['run', '--all'], { NAP: nap });
    await waitFor(workspace, '.lab/work/progress.txt', 'napping');
    run.kill('SIGHUP');
    const result = await run;
    expect(result.exitCode).toBe(129);
    expect(workspace.read('.lab/work/progress.txt')).toBe('before\nnapping\ncleaned\n');
    expect(processesMatching(`sleep ${nap}`)).toEqual([]);
  });
});

describe('three quick Ctrl-C', () => {
  it('never let the runner exit while a step that ignores SIGTERM is still alive', async () => {
    const workspace = createWorkspace('interrupt');
    workspace.edit('docs/01-long.md', 'echo napping >> progress.txt', "trap '' TERM; echo napping >> progress.txt");
    const nap = uniqueNap();
    const run = workspace.start(['run', 'chapter-1'], { NAP: nap });
    await waitFor(workspace, '.lab/work/progress.txt', 'napping');
    for (let i = 0; i < 3; i++) {
      run.kill('SIGINT');
      await sleep(50);
    }
    const result = await run;
    expect(processesMatching(`sleep ${nap}`)).toEqual([]);
    expect(result.exitCode).toBe(130);
  });
});

describe("GitHub Actions' cancellation", () => {
  it("runs the cleanup chapter to its end when SIGTERM follows SIGINT, lab being the step shell's exec", async () => {
    const workspace = createWorkspace('interrupt');
    workspace.edit(
      'docs/02-cleanup.md',
      'echo cleaned >> progress.txt',
      'echo cleaning >> progress.txt; sleep 1; echo cleaned >> progress.txt',
    );
    const nap = uniqueNap();
    // As the workflow's run step does: bash runs the script, which execs lab.
    const run = execa('bash', ['-c', `exec "${process.execPath}" "${LAB_BIN}" run --all`], {
      cwd: workspace.dir,
      reject: false,
      env: { LAB_OUT: workspace.dir, NO_COLOR: '1', CI: 'true', NAP: nap },
      stdin: 'ignore',
    });
    await waitFor(workspace, '.lab/work/progress.txt', 'napping');
    run.kill('SIGINT');
    await waitFor(workspace, '.lab/work/progress.txt', 'cleaning');
    run.kill('SIGTERM');
    const result = await run;
    expect(workspace.read('.lab/work/progress.txt')).toBe('before\nnapping\ncleaning\ncleaned\n');
    expect(result.exitCode).toBe(130);
    expect(processesMatching(`sleep ${nap}`)).toEqual([]);
  });
});

describe('timeout=', () => {
  it('kills a step that runs too long, with everything it started', async () => {
    const workspace = createWorkspace('interrupt');
    workspace.edit('docs/01-long.md', '{sh id=nap}', '{sh id=nap timeout=1s}');
    const nap = uniqueNap();
    const result = await workspace.lab(['run', 'chapter-1'], { NAP: nap });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('workstation: timed out after 1s and was stopped');
    expect(processesMatching(`sleep ${nap}`)).toEqual([]);
  });
});

describe('--all after a failure', () => {
  it('runs the cleanup chapter and exits 1', async () => {
    const workspace = createWorkspace('interrupt');
    workspace.edit('docs/01-long.md', 'echo after >> progress.txt', 'echo after >> progress.txt; exit 4');
    const result = await workspace.lab(['run', '--all'], { NAP: '0' });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('The run failed: running the cleanup chapter so nothing is left behind.');
    expect(workspace.read('.lab/work/progress.txt')).toBe('before\nnapping\nafter\ncleaned\n');
  });

  it('leaves everything standing with --keep', async () => {
    const workspace = createWorkspace('interrupt');
    const result = await workspace.lab(['run', '--all', '--keep'], { NAP: '0' });
    expect(result.exitCode).toBe(0);
    expect(workspace.read('.lab/work/progress.txt')).not.toContain('cleaned');
  });
});
