/**
 * `lab run` through the real CLI, on copies of the fixture books: the behaviour a reader and the
 * nightly run rely on.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createWorkspace } from '../helpers/lab.js';

const SECRET_TOKEN = 'abcdef.0123456789abcdef';
const SECRET_PASSWORD = 'hunter2-very-secret';

/** A run that must pass first; on failure its output says why. */
async function expectPassed(run: Promise<{ exitCode: number; stdout: string; stderr: string }>): Promise<void> {
  const result = await run;
  expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(0);
}

function readAll(dir: string): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => readFileSync(path.join(entry.parentPath, entry.name), 'utf8'))
    .join('\n');
}

describe('lab run --all', () => {
  it('runs every step in order, then the cleanup chapter, and exits 0', async () => {
    const workspace = createWorkspace('workstation');
    const result = await workspace.lab(['run', '--all']);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    // The journal step's expected output proves order, exported and captured variables.
    expect(result.stdout).toMatch(/✔ journal .*\n/);
    expect(result.stdout).toContain('chapter-3 · Cleanup');
    expect(result.stdout).toMatch(/✔ All steps passed in .*: 12 passed, 1 failed, 0 skipped \(passed earlier\), 0 not run\./);
    expect(existsSync(path.join(workspace.dir, '.lab/work/journal.txt'))).toBe(false);
  });

  it('writes file blocks with ${NAME} replaced, the mode asked for, atomically', async () => {
    const workspace = createWorkspace('workstation');
    expect((await workspace.lab(['run', 'chapter-1'])).exitCode).toBe(0);
    expect(workspace.read('config.yaml')).toBe('color: blue\nversion: 1.2.3\n');
    expect(statSync(path.join(workspace.dir, 'config.yaml')).mode & 0o777).toBe(0o600);
    expect(readdirSync(workspace.dir).filter((name) => name.includes('.lab.'))).toEqual([]);
  });

  it('retries a check until it passes, and says after how many attempts', async () => {
    const workspace = createWorkspace('workstation');
    const result = await workspace.lab(['run', 'chapter-1', 'chapter-2']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/✔ 02-checks-1 .* after 3 attempts/);
  });

  it('goes on after an optional step fails, and counts it', async () => {
    const workspace = createWorkspace('workstation');
    const result = await workspace.lab(['run', '--all']);
    expect(result.stdout).toContain('✖ 02-checks-4 false [sh on workstation]');
    expect(result.stdout).toContain('(optional, going on)');
  });

  it('goes on to the end when its output is piped into a reader that stops early (lab run --all | head)', async () => {
    const workspace = createWorkspace('workstation');
    const run = workspace.start(['run', '--all']);
    run.stdout!.destroy();
    const result = await run;
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    // The cleanup chapter ran: the journal the first chapter wrote is gone.
    expect(existsSync(path.join(workspace.dir, '.lab/work/journal.txt'))).toBe(false);
    expect(JSON.parse(workspace.read('.lab/state.json')).steps).toEqual({});
  });

  it('writes a JSON report and a JUnit report, with a result per step and host', async () => {
    const workspace = createWorkspace('workstation');
    await workspace.lab(['run', '--all', '--report', 'out/report.json', '--report', 'out/junit.xml']);
    const report = JSON.parse(workspace.read('out/report.json'));
    expect(report).toMatchObject({
      format: 'kubeadm-lab-report/v1',
      book: 'Workstation fixture',
      status: 'passed',
      versions: { WORLD_VERSION: '1.2.3' },
    });
    expect(report.chapters.map((chapter: { name: string; status: string }) => `${chapter.name}:${chapter.status}`)).toEqual([
      'chapter-1:passed',
      'chapter-2:passed',
      'chapter-3:passed',
    ]);
    expect(report.steps).toHaveLength(13);
    expect(report.steps[0]).toMatchObject({
      id: '01-basics-1',
      chapter: 'chapter-1',
      host: 'workstation',
      status: 'passed',
      attempts: 1,
      source: 'docs/01-basics.md:5',
    });
    expect(report.steps.find((step: { id: string }) => step.id === '02-checks-1')).toMatchObject({
      attempts: 3,
      output: 'ready after 3 attempts\n',
    });

    const junit = workspace.read('out/junit.xml');
    expect(junit).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="Workstation fixture" tests="13" failures="1" errors="0"/,
    );
    expect(junit.match(/<testsuite /g)).toHaveLength(3);
    expect(junit.match(/<testcase /g)).toHaveLength(13);
    expect(junit).toContain('<testsuite name="chapter-2 Checks" tests="5" failures="1"');
    expect(junit).toContain('<failure message="exit status 1" type="exit">');
  });
});

describe('variables', () => {
  it('carries exported and captured values into later chapters and later runs', async () => {
    const workspace = createWorkspace('workstation');
    expect((await workspace.lab(['run', 'chapter-1'])).exitCode).toBe(0);
    // A new process: PAINT (exported) and HOSTNAME_SEEN (captured) come from the state.
    const second = await workspace.lab(['run', 'chapter-2']);
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toContain('✔ journal');
    const status = await workspace.lab(['status']);
    expect(status.stdout).toContain('PAINT=blue');
    expect(status.stdout).toContain('HOSTNAME_SEEN=captured-value');
    expect(status.stdout).toContain('TOKEN=***');
  });

  it('lets the environment override a book.yaml default', async () => {
    const workspace = createWorkspace('workstation');
    await workspace.lab(['run', 'chapter-1'], { WORLD_VERSION: '9.9.9' });
    expect(workspace.read('config.yaml')).toContain('version: 9.9.9');
  });
});

describe('secrets', () => {
  it('never show a secret in the output, the logs or the reports', async () => {
    const workspace = createWorkspace('workstation');
    const result = await workspace.lab(['run', '--all', '--verbose', '--report', 'r.json', '--report', 'r.xml']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('token is *** and password is ***');
    const everything = [
      result.stdout,
      result.stderr,
      readAll(path.join(workspace.dir, '.lab/logs')),
      workspace.read('r.json'),
      workspace.read('r.xml'),
    ].join('\n');
    expect(everything).not.toContain(SECRET_TOKEN);
    expect(everything).not.toContain(SECRET_PASSWORD);
    expect(everything).toContain('*** (the output of a secret step is not shown)');
  });

  it('keeps the state, which holds captured secrets, private to the user', async () => {
    const workspace = createWorkspace('workstation');
    await expectPassed(workspace.lab(['run', 'chapter-1']));
    expect(statSync(path.join(workspace.dir, '.lab/state.json')).mode & 0o777).toBe(0o600);
  });
});

describe('--dry-run', () => {
  it('prints each step, where it runs and the variables it uses, masked, and runs nothing', async () => {
    const workspace = createWorkspace('workstation');
    const result = await workspace.lab(['run', '--all', '--dry-run']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('▶ use-secret  echo "token is $TOKEN and password is $API_PASSWORD"  [sh on workstation]');
    expect(result.stdout).toContain('uses TOKEN (not set yet), API_PASSWORD=***');
    expect(result.stdout).toContain('retries every 100ms for up to 20s');
    expect(result.stdout).toContain('chapter-3 · Cleanup (cleanup: runs last, even after a failure)');
    expect(result.stdout).toContain('13 steps would run.');
    expect(result.stdout).not.toContain(SECRET_PASSWORD);
    expect(existsSync(path.join(workspace.dir, '.lab'))).toBe(false);
    expect(existsSync(path.join(workspace.dir, 'config.yaml'))).toBe(false);
  });
});

describe('a failing check', () => {
  it('shows the step, its place in the book, the command and the expected-versus-actual diff', async () => {
    const workspace = createWorkspace('workstation');
    workspace.edit('docs/02-checks.md', 'node-1 Ready [..]', 'node-1 NotReady [..]');
    const result = await workspace.lab(['run', 'chapter-1', 'chapter-2']);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('✖ 02-checks-2 failed on workstation  (docs/02-checks.md:14)');
    expect(result.stdout).toContain("$ printf 'NAME     STATUS   AGE\\nnode-0   Ready    10s\\nnode-1   Ready    12s\\n'");
    expect(result.stdout).toContain('workstation: the output is not what the book expects');
    expect(result.stdout).toContain('expected (-) versus actual (+), from the output block at line 18:');
    expect(result.stdout).toContain('- node-1 NotReady [..]');
    expect(result.stdout).toContain('+ node-1 Ready 12s');
    expect(result.stdout).toContain('log: .lab/logs/chapter-2/02-checks-2.workstation.log');
    expect(result.stdout).toMatch(/✖ Failed at 02-checks-2 \(docs\/02-checks\.md:14\) after .*Resume with `lab run chapter-2`\./);
    expect(workspace.read('.lab/logs/chapter-2/02-checks-2.workstation.log')).toContain('[expected vs actual]');
  });

  it('resumes at the failed step once the chapter is fixed, skipping what passed', async () => {
    const workspace = createWorkspace('workstation');
    workspace.edit('docs/02-checks.md', 'node-1 Ready [..]', 'node-1 NotReady [..]');
    expect((await workspace.lab(['run', 'chapter-1', 'chapter-2'])).exitCode).toBe(1);
    const attempts = workspace.read('.lab/work/attempts');

    workspace.edit('docs/02-checks.md', 'node-1 NotReady [..]', 'node-1 Ready [..]');
    const result = await workspace.lab(['run', 'chapter-2']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('chapter-2 · Checks (4 steps, resuming after 1 that passed earlier)');
    expect(result.stdout).not.toContain('02-checks-1');
    // The check that passed is not run again.
    expect(workspace.read('.lab/work/attempts')).toBe(attempts);
  });

  it('runs a step again when its text changed since it passed', async () => {
    const workspace = createWorkspace('workstation');
    expect((await workspace.lab(['run', 'chapter-1'])).exitCode).toBe(0);
    workspace.edit('docs/01-basics.md', 'echo "  captured-value  "', 'echo "  changed-value  "');
    const result = await workspace.lab(['run', 'chapter-1']);
    expect(result.stdout).toContain('chapter-1 · Basics (5 steps, resuming after 2 that passed earlier)');
    expect((await workspace.lab(['status'])).stdout).toContain('HOSTNAME_SEEN=changed-value');
  });

  it('runs everything again with --restart, and nothing when all passed', async () => {
    const workspace = createWorkspace('workstation');
    await expectPassed(workspace.lab(['run', 'chapter-1']));
    expect((await workspace.lab(['run', 'chapter-1'])).stdout).toContain('all 7 steps passed earlier (--restart runs them again)');
    expect((await workspace.lab(['run', 'chapter-1', '--restart'])).stdout).toContain('chapter-1 · Basics (7 steps)');
  });
});

describe('chapters that build on earlier ones', () => {
  it('refuses to start a chapter whose predecessors have not passed, and says what to do', async () => {
    const workspace = createWorkspace('workstation');
    const result = await workspace.lab(['run', 'chapter-2']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(
      [
        'lab: chapter-2 builds on earlier chapters that have not passed:',
        '  chapter-1 · Basics (not run yet)',
        'Run them first with `lab run chapter-2 --with-deps`, or go on anyway with `lab run chapter-2 --force`.',
      ].join('\n'),
    );
  });

  it('runs the missing chapters first with --with-deps', async () => {
    const workspace = createWorkspace('workstation');
    const result = await workspace.lab(['run', 'chapter-2', '--with-deps']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.indexOf('chapter-1 · Basics')).toBeLessThan(result.stdout.indexOf('chapter-2 · Checks'));
  });

  it('goes on anyway with --force', async () => {
    const workspace = createWorkspace('workstation');
    const result = await workspace.lab(['run', '2', '--force']);
    expect(result.stdout).toContain('chapter-2 · Checks');
    expect(result.stdout).not.toContain('chapter-1 · Basics');
    // PAINT comes from chapter-1, so the journal step fails on it, as bash's set -u says.
    expect(result.stdout).toContain('PAINT: unbound variable');
    expect(result.exitCode).toBe(1);
  });
});

describe('lab list, status and reset', () => {
  it('lists chapters with step counts and status', async () => {
    const workspace = createWorkspace('workstation');
    await expectPassed(workspace.lab(['run', 'chapter-1']));
    const result = await workspace.lab(['list']);
    expect(result.stdout).toBe(
      [
        'Workstation fixture (docs/book.yaml)',
        '  chapter-1  Basics     7 steps  passed',
        '  chapter-2  Checks     5 steps  not run',
        '  chapter-3  Cleanup     1 step  not run  (cleanup)',
      ].join('\n'),
    );
  });

  it('shows the last failure and what to run next', async () => {
    const workspace = createWorkspace('workstation');
    workspace.edit('docs/01-basics.md', 'echo one > journal.txt', 'echo one > journal.txt; false');
    expect((await workspace.lab(['run', 'chapter-1'])).exitCode).toBe(1);
    const result = await workspace.lab(['status']);
    expect(result.stdout).toContain('Last failure: 01-basics-1 on workstation (docs/01-basics.md:5); logs in .lab/logs/chapter-1/');
    expect(result.stdout).toContain('Next: lab run chapter-1  (Basics)');
  });

  it('forgets one chapter, or everything', async () => {
    const workspace = createWorkspace('workstation');
    await expectPassed(workspace.lab(['run', 'chapter-1']));
    expect((await workspace.lab(['reset', 'chapter-1'])).stdout).toContain('Forgot the progress of chapter-1');
    expect((await workspace.lab(['list'])).stdout).toContain('chapter-1  Basics     7 steps  not run');
    expect((await workspace.lab(['status'])).stdout).toContain('PAINT=blue');
    await workspace.lab(['reset']);
    expect((await workspace.lab(['status'])).stdout).toContain('No variables set by steps yet.');
  });
});

describe('bad input', () => {
  it('lists every problem as file:line:col, exits 2 and runs nothing', async () => {
    const workspace = createWorkspace('broken');
    const result = await workspace.lab(['run', '--all']);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toEqual([
      'docs/01-broken.md:3:8: Unknown kind or flag `deploy`; kinds are gcloud, apt, kubeadm, kubectl, sh, check, file, output, flags are secret, optional, may-pass-early, root',
      'docs/01-broken.md:7:11: Unknown attribute `colour=`; attributes are on=, id=, title=, timeout=, every=, capture=, retries=, exit=, include=, file=, mode=',
      'docs/01-broken.md:11:12: `on=worker-7` names `worker-7`, which is no host or group in book.yaml; known: worker-0, workers, all, workstation',
      'docs/01-broken.md:23:10: This output block has an illustration (a block without attributes) before it; put it right after the step whose stdout it shows',
      'docs/01-broken.md:31:40: `include=snippets/missing.yaml` names a file that does not exist (looked for snippets/missing.yaml); create it or fix the path',
      'docs/02-more.md:3:1: Step id `twice` is already used at docs/01-broken.md:27; give one of them another id=',
      'lab: 6 problems in the book; nothing was run.',
    ]);
    expect(existsSync(path.join(workspace.dir, '.lab'))).toBe(false);
  });

  it('points at the line of a broken book.yaml', async () => {
    const workspace = createWorkspace('workstation');
    workspace.edit('docs/book.yaml', 'cleanup: 03-cleanup.md', 'cleanup: 04-gone.md\nowner: me');
    const result = await workspace.lab(['list']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      'docs/book.yaml:8:1: book.yaml: unknown key `owner`; known keys are title, repository, chapters, cleanup, appendices, hosts, diagnostics, gce, vars',
    );
  });

  it('names an unknown chapter and the ones there are', async () => {
    const workspace = createWorkspace('workstation');
    const result = await workspace.lab(['run', 'chapter-9']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('lab: Unknown chapter `chapter-9`; the book has chapter-1 to chapter-3 (see `lab list`)');
  });

  it('says how to use the command when no chapter is named', async () => {
    const workspace = createWorkspace('workstation');
    const result = await workspace.lab(['run']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('Name the chapter to run (`lab run chapter-3`) or pass --all');
  });

  it('points --book at a folder with no book.yaml', async () => {
    const workspace = createWorkspace('workstation');
    const result = await workspace.lab(['list', '--book', 'nowhere']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("nowhere/book.yaml:1:1: No book.yaml here; point --book at the folder that holds the book's book.yaml");
  });
});

describe('preflight', () => {
  it('exits 3 with the fix when a tool the steps need is missing', async () => {
    const workspace = createWorkspace('tools');
    // A PATH with bash on it and nothing else.
    const bin = mkdtempSync(path.join(tmpdir(), 'lab-bin-'));
    symlinkSync('/bin/bash', path.join(bin, 'bash'));
    const result = await workspace.lab(['run', 'chapter-1'], { PATH: bin });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('`gcloud` is not installed (not found on PATH), and step 01-cloud-1 runs it on the workstation.');
    expect(result.stderr).toContain('Install the Google Cloud CLI (https://cloud.google.com/sdk/docs/install), then run `gcloud init`.');
    expect(result.stderr).toContain('`kubectl` is not installed');
  });
});

describe('two runs at once', () => {
  it('never lets a run that started during another one run its steps again or save over its records', async () => {
    const workspace = createWorkspace('two-runs');
    const env = (sleep: string) => ({ PATH: `${workspace.dir}:${process.env.PATH}`, FAKE_GCLOUD_SLEEP: sleep });
    const first = workspace.start(['run', 'chapter-1'], env('0'));
    // The second starts once the first holds the lock, and checks gcloud for longer than the first takes.
    for (let i = 0; i < 200 && !existsSync(path.join(workspace.dir, '.lab/lock')); i++) await sleep(25);
    const second = await workspace.lab(['run', 'chapter-1'], env('1.5'));
    const firstResult = await first;
    expect(firstResult.exitCode, String(firstResult.stdout)).toBe(0);
    expect(second.exitCode).toBe(2);
    expect(second.stderr).toMatch(/Another lab run \(pid \d+\) is using /);
    expect(workspace.read('.lab/work/runs.txt')).toBe('ran\n');
    const state = JSON.parse(workspace.read('.lab/state.json'));
    expect(Object.keys(state.steps)).toEqual(['ask', 'count']);
    expect(state.vars).toEqual({ COUNTED: 'counted' });
  });
});

describe('how hosts are reached', () => {
  it('refuses flags that do not go together, before anything runs', async () => {
    const workspace = createWorkspace('workstation');
    const both = await workspace.lab(['run', 'chapter-1', '--ssh', 'gcloud', '--inventory', 'hosts.yaml']);
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toContain('--ssh gcloud reaches GCE instances, not the hosts of an --inventory file; drop one of them');
    const iap = await workspace.lab(['run', 'chapter-1', '--tunnel-through-iap']);
    expect(iap.exitCode).toBe(2);
    expect(iap.stderr).toContain('--tunnel-through-iap goes with --ssh gcloud');
    expect(existsSync(path.join(workspace.dir, '.lab/work'))).toBe(false);
  });
});
