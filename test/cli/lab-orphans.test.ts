/**
 * A run that dies with its watchdogs (the OOM killer, `kill -9` of every lab process) leaves its
 * step running; the next run stops it before it runs that step again.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkspace, type Workspace } from '../helpers/lab.js';
import { processesMatching } from '../helpers/processes.js';

const made: Workspace[] = [];
afterEach(() => {
  for (const workspace of made.splice(0)) rmSync(workspace.dir, { recursive: true, force: true });
});

function orphansWorkspace(): Workspace {
  const workspace = createWorkspace('orphans');
  made.push(workspace);
  return workspace;
}

/** A sleep length no other process on the machine uses, so pgrep finds only ours. */
function uniqueNap(): string {
  return `300.${process.pid}${Math.floor(Math.random() * 1e6)}`;
}

async function waitUntil(done: () => boolean, what: string): Promise<void> {
  for (const end = Date.now() + 10_000; Date.now() < end; await sleep(50)) if (done()) return;
  throw new Error(`timed out waiting until ${what}`);
}

function readStat(pid: number): { ppid: number; pgid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? undefined : { ppid: Number(fields[1]), pgid: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

const isAlive = (pid: number) => readStat(pid) !== undefined;

function childrenOf(parent: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => readStat(pid)?.ppid === parent);
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/**
 * The run's watchdogs, found from its node process: the runner's own (a child of node), and the
 * workstation session's (a child of the session's shell, in that shell's process group).
 */
function findWatchdogs(node: number): number[] {
  const children = childrenOf(node);
  const runnerWatchdogs = children.filter((pid) => commandLine(pid).includes('__lab_groups'));
  const sessions = children.filter((pid) => commandLine(pid).includes('__lab_nonce'));
  const sessionWatchdogs = sessions.flatMap((session) => childrenOf(session).filter((pid) => readStat(pid)?.pgid === session));
  return [...runnerWatchdogs, ...sessionWatchdogs];
}

function processesHolding(entry: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      try {
        return `\0${readFileSync(`/proc/${pid}/environ`, 'latin1')}`.includes(`\0${entry}\0`);
      } catch {
        return false;
      }
    });
}

/** Starts `lab run chapter-1` and waits until the long step runs; returns its pid and the run. */
async function startLongStep(workspace: Workspace, nap: string) {
  const run = workspace.start(['run', 'chapter-1'], { NAP: nap });
  await waitUntil(() => processesMatching(`sleep ${nap}`).length === 1, 'the long step sleeps');
  const stepPid = Number(workspace.read('.lab/work/step.pid'));
  const token = (JSON.parse(workspace.read('.lab/lock')) as { token: string }).token;
  return { run, stepPid, token };
}

describe('a run that finds what a dead run left running', () => {
  it('stops it, says so, and only then resumes, without running a passed step again', async () => {
    const workspace = orphansWorkspace();
    const nap = uniqueNap();
    const { run, stepPid, token } = await startLongStep(workspace, nap);
    const node = run.pid!;
    // The whole run dies at once, watchdogs included, as under the OOM killer or `pkill -9`:
    // stopped first, so none sees the others go.
    await waitUntil(() => findWatchdogs(node).length === 2, 'both watchdogs run');
    const watchdogs = findWatchdogs(node);
    for (const pid of watchdogs) process.kill(pid, 'SIGSTOP');
    process.kill(node, 'SIGKILL');
    for (const pid of watchdogs) process.kill(pid, 'SIGKILL');
    await run;
    await sleep(500);
    // The step outlived its runner.
    expect(isAlive(stepPid)).toBe(true);
    expect(processesMatching(`sleep ${nap}`)).toHaveLength(1);

    const resumed = await workspace.lab(['run', 'chapter-1'], { NAP: '0' });
    expect(resumed.stdout).toMatch(
      new RegExp(
        `^Stopped \\d+ processes a lab run that died \\(pid ${node}\\) left running \\(pid [\\d, ]*\\b${stepPid}\\b[\\d, ]*\\) before going on\\.$`,
        'm',
      ),
    );
    expect(resumed.exitCode).toBe(0);
    // The step saw no copy of itself; the step that had passed did not run again.
    expect(workspace.read('.lab/work/progress.txt')).toBe('first\nlong\nlong\nlast\n');
    expect(isAlive(stepPid)).toBe(false);
    expect(processesMatching(`sleep ${nap}`)).toEqual([]);
    expect(processesHolding(`LAB_RUN=${token}`)).toEqual([]);
    expect(readdirSync(`${workspace.dir}/.lab`).filter((name) => name.startsWith('lock'))).toEqual([]);
  });

  it("does not fight the dead run's watchdogs when they are still stopping what it left", async () => {
    const workspace = orphansWorkspace();
    // A step that ignores SIGTERM keeps the dead run's watchdogs busy for their 2 s grace.
    workspace.edit('docs/01-steps.md', 'sleep "$NAP"', 'trap \'\' TERM\nsleep "$NAP"');
    const nap = uniqueNap();
    const { run, stepPid, token } = await startLongStep(workspace, nap);
    const node = run.pid!;
    process.kill(node, 'SIGKILL');
    await run;

    const resumed = await workspace.lab(['run', 'chapter-1'], { NAP: '0' });
    expect(resumed.stderr).toBe('');
    expect(resumed.exitCode).toBe(0);
    expect(workspace.read('.lab/work/progress.txt')).toBe('first\nlong\nlong\nlast\n');
    expect(isAlive(stepPid)).toBe(false);
    expect(processesMatching(`sleep ${nap}`)).toEqual([]);
    // Nothing of the dead run is left, watchdogs included.
    expect(processesHolding(`LAB_RUN=${token}`)).toEqual([]);
  });
});
