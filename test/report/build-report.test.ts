/** What the run report keeps so the site can tell which text of each step, at which commit, a run saw. */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBook } from '../../runner/book/load-book.js';
import type { Book } from '../../runner/book/types.js';
import type { RunResult } from '../../runner/execute/results.js';
import { startVariables } from '../../runner/execute/variables.js';
import { buildReport, readCommit, readRunUrl } from '../../runner/report/build-report.js';
import { PROJECT_ROOT } from '../helpers/lab.js';

/** A run of the book's first chapter in which its first step passed on worker-0. */
function runFirstStep(book: Book): RunResult {
  const chapter = book.chapters[0]!;
  const step = chapter.steps[0]!;
  return {
    status: 'passed',
    startedAt: '2026-11-25T03:00:00Z',
    finishedAt: '2026-11-25T03:01:00Z',
    durationMs: 60_000,
    diagnostics: [],
    chapters: [
      {
        chapter,
        status: 'passed',
        durationMs: 60_000,
        steps: [
          {
            step,
            status: 'passed',
            startedAt: '2026-11-25T03:00:00Z',
            durationMs: 5,
            hosts: [{ host: 'worker-0', status: 'passed', exitCode: 0, durationMs: 5, attempts: 1, stdout: '' }],
          },
        ],
      },
    ],
  };
}

describe('buildReport: what ran, keyed to its text', () => {
  it("keeps each step's hash and the book's git commit", () => {
    const book = loadBook(path.join(PROJECT_ROOT, 'test/fixtures/fleet/docs'));
    const report = buildReport(book, runFirstStep(book), startVariables(book, { vars: {}, secret: [] }, {}));
    expect(report.steps[0]!.hash).toBe(book.chapters[0]!.steps[0]!.hash);
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();
    expect(report.commit).toBe(head);
  });

  it('leaves the commit out for a book that is no git checkout', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lab-report-nogit-'));
    try {
      cpSync(path.join(PROJECT_ROOT, 'test/fixtures/fleet'), dir, { recursive: true });
      // GIT_CEILING_DIRECTORIES keeps git from finding a repository above the temporary folder.
      process.env.GIT_CEILING_DIRECTORIES = path.dirname(dir);
      expect(readCommit(path.join(dir, 'docs'))).toBeUndefined();
      const book = loadBook(path.join(dir, 'docs'));
      expect(buildReport(book, runFirstStep(book), startVariables(book, { vars: {}, secret: [] }, {}))).not.toHaveProperty('commit');
    } finally {
      delete process.env.GIT_CEILING_DIRECTORIES;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("links to the GitHub Actions run from the runner's environment, and to nothing elsewhere", () => {
    expect(readRunUrl({ GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'kubeadm-lab/book', GITHUB_RUN_ID: '42' })).toBe(
      'https://github.com/kubeadm-lab/book/actions/runs/42',
    );
    expect(readRunUrl({ GITHUB_REPOSITORY: 'kubeadm-lab/book', GITHUB_RUN_ID: '42' })).toBeUndefined();
    expect(readRunUrl({})).toBeUndefined();
  });
});
