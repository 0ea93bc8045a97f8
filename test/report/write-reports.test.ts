/** The JUnit report of checks run before their chapter (--prove-checks), judged as the run judges them. */
import { describe, expect, it } from 'vitest';
import type { ReportStep, RunReport } from '../../runner/report/build-report.js';
import { renderJunit } from '../../runner/report/write-reports.js';

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
      'name="file-arrived on worker-0, worker-1 fails before its chapter: cat kubeadm.yaml" file="docs/01-fleet.md" time="0.005"/>',
    );
  });

  it('fails the test case when the check passed on every host, with what each host printed', () => {
    const junit = renderJunit(report([early('worker-0', 'passed'), early('worker-1', 'passed')]));
    expect(junit).toMatch(/<testsuites name="Fleet fixture" tests="1" failures="1" errors="0"/);
    expect(junit).toContain('type="proves-nothing">docs/01-fleet.md:41\n');
    expect(junit).toContain('seen on worker-0\nseen on worker-1\n</failure>');
  });
});
