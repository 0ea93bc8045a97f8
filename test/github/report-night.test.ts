/** The morning after: one issue per broken streak, naming the step, its file:line and diff; closed when a night passes. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReportStep, RunReport } from '../../runner/report/build-report.js';
import { PROJECT_ROOT } from '../helpers/lab.js';
import { fakeTools, type FakeTools } from './fake-tools.js';

const SCRIPT = path.join(PROJECT_ROOT, '.github/scripts/report-night.mjs');
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

const step = (id: string, status: ReportStep['status'], extra: Partial<ReportStep> = {}): ReportStep => ({
  id,
  chapter: 'chapter-7',
  title: 'kubeadm init',
  kind: 'kubeadm',
  host: 'controller-0',
  status,
  durationMs: 1,
  attempts: 1,
  exitCode: status === 'passed' ? 0 : 1,
  source: 'docs/07-control-plane.md:42',
  ...extra,
});

function night(steps: ReportStep[]): RunReport {
  return {
    format: 'kubeadm-lab-report/v1',
    book: 'Book',
    status: 'failed',
    startedAt: '2026-11-27T03:17:00Z',
    finishedAt: '2026-11-27T04:17:00Z',
    durationMs: 1,
    versions: {},
    chapters: [],
    steps,
    diagnostics: [],
  };
}

async function morning(result: string, report: RunReport | undefined, openIssues: object[]): Promise<{ tools: FakeTools; stdout: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lab-morning-'));
  const tools = fakeTools(['gh'], { 'gh issue list': JSON.stringify(openIssues), 'gh issue create': 'https://github.com/o/r/issues/9\n' });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), tools.remove);
  if (report) writeFileSync(path.join(dir, 'run.json'), JSON.stringify(report));
  writeFileSync(path.join(dir, 'what-changed.md'), '| packages.kubelet | `1.36.3-1.1` | `1.36.4-1.1` |\n');
  const run = await execa('node', [SCRIPT, path.join(dir, 'run.json'), path.join(dir, 'what-changed.md')], {
    env: {
      ...tools.env,
      BOOK_RESULT: result,
      RUN_URL: 'https://github.com/o/r/actions/runs/77',
      BLOB_URL: 'https://github.com/o/r/blob/abc123',
    },
  });
  return { tools, stdout: run.stdout };
}

describe('report-night.mjs', () => {
  const failing = night([
    step('install', 'passed'),
    step('init', 'failed', {
      failure: { reason: 'output', message: 'output did not match', diff: '-Ready\n+NotReady\n', tail: 'NotReady\n' },
    }),
  ]);

  it('opens an issue naming the failing chapter, step, linked file:line, the diff, what changed and the run', async () => {
    const { tools } = await morning('failure', failing, []);
    const create = tools.calls().find((call) => call[1] === 'issue' && call[2] === 'create')!;
    expect(create.slice(0, 7)).toEqual([
      'gh',
      'issue',
      'create',
      '--title',
      'Nightly failed: chapter-7, step init',
      '--label',
      'nightly-failure',
    ]);
    const body = create.at(-1)!;
    expect(body).toContain(
      '**Chapter** chapter-7, **step** `init` (kubeadm init) on controller-0, [docs/07-control-plane.md:42](https://github.com/o/r/blob/abc123/docs/07-control-plane.md#L42)',
    );
    expect(body).toContain('```diff\n-Ready\n+NotReady\n```');
    expect(body).toContain('| packages.kubelet | `1.36.3-1.1` | `1.36.4-1.1` |');
    expect(body).toContain('Run: https://github.com/o/r/actions/runs/77');
  });

  it('comments on the issue already open instead of opening a second one', async () => {
    const { tools } = await morning('failure', failing, [{ number: 5 }]);
    const verbs = tools.calls().map((call) => call.slice(1, 4).join(' '));
    expect(verbs).toEqual(['issue list --label', 'issue comment 5', 'issue edit 5']);
  });

  it('closes the open issue when a night passes', async () => {
    const { tools } = await morning('success', night([step('init', 'passed')]), [{ number: 5 }]);
    expect(tools.calls().at(-1)).toEqual([
      'gh',
      'issue',
      'close',
      '5',
      '--comment',
      'The book passed again: https://github.com/o/r/actions/runs/77',
    ]);
  });

  it('says a killed night left no report, and opens or closes nothing for a cancelled one', async () => {
    const killed = await morning('failure', undefined, []);
    expect(
      killed.tools
        .calls()
        .find((call) => call[1] === 'issue' && call[2] === 'create')!
        .at(-1),
    ).toContain('The night left no run report');
    const cancelled = await morning('cancelled', failing, [{ number: 5 }]);
    expect(cancelled.tools.calls().map((call) => call[2])).toEqual(['list']);
    expect(cancelled.stdout).toContain('no issue opened or closed');
  });
});
