/**
 * `lab run --prove-checks`: each chapter's checks run once before its steps and must fail then,
 * or they prove nothing about the chapter's work. Real bash, the real CLI, the proofs fixture.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../runner/report/build-report.js';
import { createWorkspace } from '../helpers/lab.js';

describe('lab run --prove-checks', () => {
  it('fails the run when a check passes before its chapter, naming it and its line, and still cleans up', async () => {
    const workspace = createWorkspace('proofs');
    const result = await workspace.lab(['run', '--all', '--prove-checks', '--report', 'run.json', '--report', 'junit.xml']);
    expect(result.exitCode, result.stdout).toBe(1);
    expect(result.stdout).toContain('✖ always passes before the chapter has run, so it proves nothing (docs/01-make.md:29)');
    expect(result.stdout).toContain('mark it `may-pass-early` if it may rightly pass');
    // The early run comes before the chapter's first step.
    expect(result.stdout.indexOf('always passes before')).toBeLessThan(result.stdout.indexOf('▶ 01-make-1'));
    // Every step still ran and passed, the cleanup chapter included, whose own check was proven.
    expect(result.stdout).toContain('chapter-1 passed');
    expect(result.stdout).toContain('✔ Before the chapter, its check fails, as it should');
    expect(result.stdout).not.toContain('running the cleanup chapter so nothing is left behind');
    expect(existsSync(path.join(workspace.dir, '.lab/work/made.txt'))).toBe(false);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe(
      '✖ The steps ran in ' +
        result.stdout.match(/The steps ran in (\S+) /)![1] +
        ' (7 passed, 0 failed, 0 skipped (passed earlier), 0 not run), but a check passes before its chapter has run, so it proves nothing: always (docs/01-make.md:29).',
    );
  });

  it('gives a check one attempt before its chapter, not its whole timeout, and leaves out may-pass-early checks', async () => {
    const workspace = createWorkspace('proofs');
    await workspace.lab(['run', '--all', '--prove-checks', '--report', 'run.json']);
    const report = JSON.parse(workspace.read('run.json')) as RunReport;
    const early = report.earlyChecks!.map((check) => [check.id, check.status, check.attempts]);
    expect(early).toEqual([
      ['01-make-3', 'failed', 1],
      ['always', 'passed', 1],
      ['02-cleanup-2', 'failed', 1],
    ]);
    expect(report.earlyChecks![0]!.failure?.tail).toBe('cat: made.txt: No such file or directory');
    expect(report.earlyChecks![0]!.durationMs).toBeLessThan(10_000);
    // The early attempts are logged beside the step's own log, which they do not touch.
    const logs = path.join(workspace.dir, '.lab/logs/chapter-1');
    expect(readFileSync(path.join(logs, '01-make-3.workstation.early.log'), 'utf8')).toContain('attempt 1');
    expect(readFileSync(path.join(logs, '01-make-3.workstation.log'), 'utf8')).not.toContain('No such file');
  });

  it('reports each early check as a JUnit testcase that passes when the check failed', async () => {
    const workspace = createWorkspace('proofs');
    await workspace.lab(['run', '--all', '--prove-checks', '--report', 'junit.xml']);
    const junit = workspace.read('junit.xml');
    expect(junit).toContain('<testsuite name="chapter-1 Make" tests="7" failures="1"');
    expect(junit).toContain('name="01-make-3 on workstation fails before its chapter: cat made.txt" file="docs/01-make.md" line="');
    expect(junit).toMatch(
      /name="always on workstation fails before its chapter: [^"]*"[^>]*>\n {6}<failure message="passes before its chapter has run, so it proves nothing; [^"]*" type="proves-nothing">docs\/01-make.md:29\n/,
    );
  });

  it('passes when every check fails before its chapter', async () => {
    const workspace = createWorkspace('proofs');
    workspace.edit('docs/01-make.md', '{check id=always}', '{check id=always may-pass-early}');
    const result = await workspace.lab(['run', '--all', '--prove-checks']);
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.stdout).toContain('✔ Before the chapter, its check fails, as it should');
    expect(result.stdout).toMatch(/✔ All steps passed in .*: 7 passed/);
  });

  it('does not run the checks of a chapter that resumes half-way, since its work is partly done', async () => {
    const workspace = createWorkspace('proofs');
    workspace.write('broken', '');
    const first = await workspace.lab(['run', 'chapter-1', '--prove-checks']);
    expect(first.exitCode, first.stdout).toBe(1);
    expect(first.stdout).toContain('✖ Failed at 01-make-2');

    rmSync(path.join(workspace.dir, 'broken'));
    const resumed = await workspace.lab(['run', 'chapter-1', '--prove-checks']);
    expect(resumed.stdout).toContain(
      'chapter-1 resumes after steps that passed earlier, so its checks are not run before it (--restart runs the whole chapter).',
    );
    expect(resumed.stdout).not.toContain('proves nothing');
    expect(resumed.exitCode, resumed.stdout).toBe(0);

    // From the top, the chapter is proven again, and a file left by the last run makes its check pass early.
    const restarted = await workspace.lab(['run', 'chapter-1', '--prove-checks', '--restart']);
    expect(restarted.stdout).toContain('✖ 01-make-3 passes before the chapter has run, so it proves nothing');
    expect(restarted.exitCode).toBe(1);
  });
});
