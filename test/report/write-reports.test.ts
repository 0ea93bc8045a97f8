/** The reports: JUnit of checks run before their chapter (--prove-checks), judged as the run judges them; the reports rewritten as a run goes. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { ReportStep, RunReport } from '../../runner/report/build-report.js';
import { renderJunit } from '../../runner/report/write-reports.js';
import { execa } from 'execa';
import { createWorkspace, LAB_BIN } from '../helpers/lab.js';
import { processesMatching } from '../helpers/processes.js';

const early = (host: string, status: ReportStep['status']): ReportStep => ({
  id: 'file-arrived',
  chapter: 'chapter-1',
  title: 'cat kubeadm.yaml',
  kind: 'check',
  host,
  status,
  durationMs: 5,
  attempts: 1,
  exitCode: status === 'passed' ? 0 : 1,
  source: 'docs/01-fleet.md:41',
  output: `seen on ${host}\n`,
});

const report = (earlyChecks: ReportStep[]): RunReport => ({
  format: 'kubeadm-lab-report/v1',
  book: 'Fleet fixture',
  status: 'passed',
  startedAt: '2026-11-25T03:00:00Z',
  finishedAt: '2026-11-25T03:01:00Z',
  durationMs: 60_000,
  versions: {},
  chapters: [{ name: 'chapter-1', title: 'Fleet', slug: '01-fleet', status: 'passed', durationMs: 60_000 }],
  steps: [],
  earlyChecks,
  diagnostics: [],
});

describe('renderJunit: checks run before their chapter', () => {
  it('makes one test case of a check on several hosts, which passes when the check failed on any of them', () => {
    const junit = renderJunit(report([early('worker-0', 'passed'), early('worker-1', 'failed')]));
    expect(junit).toContain('<testsuite name="chapter-1 Fleet" tests="1" failures="0" errors="0" skipped="0"');
    expect(junit).toContain(
      'name="file-arrived on worker-0, worker-1 fails before its chapter: cat kubeadm.yaml" file="docs/01-fleet.md" line="41" time="0.005"/>',
    );
  });

  it('fails the test case when the check passed on every host, with what each host printed', () => {
    const junit = renderJunit(report([early('worker-0', 'passed'), early('worker-1', 'passed')]));
    expect(junit).toMatch(/<testsuites name="Fleet fixture" tests="1" failures="1" errors="0"/);
    expect(junit).toContain('type="proves-nothing">docs/01-fleet.md:41\n');
    expect(junit).toContain('seen on worker-0\nseen on worker-1\n</failure>');
  });
});

describe('reports written as the run goes', () => {
  it('leaves a report of every step done so far, saying interrupted, when the runner is killed with SIGKILL', async () => {
    const workspace = createWorkspace('interrupt');
    const nap = `300.${process.pid}${Math.floor(Math.random() * 1e6)}`;
    try {
      const run = workspace.start(['run', 'chapter-1', '--report', 'reports/run.json', '--report', 'reports/junit.xml'], { NAP: nap });
      await waitForFile(path.join(workspace.dir, 'reports/run.json'));
      run.kill('SIGKILL');
      await run.catch(() => undefined);
      const report = JSON.parse(workspace.read('reports/run.json')) as RunReport;
      expect(report.status).toBe('interrupted');
      expect(report.steps.map((step) => `${step.id} ${step.status}`)).toEqual(['before passed']);
      expect(workspace.read('reports/junit.xml')).toContain(
        'name="before on workstation: echo before &gt;&gt; progress.txt" file="docs/01-long.md" line="3"',
      );
    } finally {
      // The killed runner's step (a sleep) is left behind: that is the runner's issue, not this test's.
      for (const pid of processesMatching(`sleep ${nap}`)) process.kill(Number(pid), 'SIGKILL');
      rmSync(workspace.dir, { recursive: true, force: true });
    }
  });

  it('puts the failing step on its line: a JUnit failure carries file and line', () => {
    const failed: ReportStep = {
      ...early('worker-0', 'failed'),
      kind: 'sh',
      failure: { reason: 'exit', message: 'exit status 1', tail: 'no\n' },
    };
    const junit = renderJunit({ ...report([]), steps: [failed] });
    expect(junit).toContain(
      'file="docs/01-fleet.md" line="41" time="0.005">\n      <failure message="exit status 1" type="exit">docs/01-fleet.md:41\n',
    );
  });
});

async function waitForFile(file: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (existsSync(file)) return;
    await sleep(50);
  }
  throw new Error(`${file} was never written`);
}

describe('writeReportsAsTheRunGoes', () => {
  it("asks git for the book's commit once in a run, though the reports are rewritten after every step", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lab-report-git-'));
    try {
      mkdirSync(path.join(dir, 'docs'));
      mkdirSync(path.join(dir, 'shim'));
      writeFileSync(path.join(dir, 'docs/book.yaml'), 'title: Reports\nchapters:\n  - 01-steps.md\n');
      const fences = [1, 2, 3, 4, 5].map((n) => `Step ${n}.\n\n\`\`\`sh {sh}\necho ${n}\n\`\`\`\n`);
      writeFileSync(path.join(dir, 'docs/01-steps.md'), `# Steps\n\n${fences.join('\n')}`);
      // A git that notes each time it is started, then does what git does.
      const git = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
      writeFileSync(path.join(dir, 'shim/git'), `#!/bin/sh\necho "$*" >> "${dir}/git-calls"\nexec ${git} "$@"\n`, { mode: 0o755 });
      const run = await execa(process.execPath, [LAB_BIN, 'run', 'chapter-1', '--report', 'run.json', '--report', 'junit.xml'], {
        cwd: dir,
        reject: false,
        stdin: 'ignore',
        env: { PATH: `${dir}/shim:${process.env.PATH}`, NO_COLOR: '1', CI: '' },
      });
      expect(run.exitCode).toBe(0);
      expect(JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')).steps).toHaveLength(5);
      expect(readFileSync(path.join(dir, 'git-calls'), 'utf8')).toBe('rev-parse HEAD\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
