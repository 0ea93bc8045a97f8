import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBook } from '../../runner/book/load-book.js';
import type { Chapter } from '../../runner/book/types.js';
import type { ReportStep, RunReport } from '../../runner/report/build-report.js';
import { listSiteVariables } from '../../runner/site/book-variables.js';
import { renderLayout } from '../../runner/site/layout.js';
import { mergeReports } from '../../runner/site/merge-report.js';
import { renderPage } from '../../runner/site/render-page.js';
import { PROJECT_ROOT } from '../helpers/lab.js';

const book = loadBook(path.join(PROJECT_ROOT, 'test/fixtures/fleet/docs'));
const [fleet, cleanup] = book.chapters as [Chapter, Chapter];
const variables = listSiteVariables(book);

/** A run of the fixture: each chapter with a status, each of its steps run on one host with its present text. */
function runReport(
  finishedAt: string,
  statuses: Record<string, string>,
  change: (step: ReportStep) => ReportStep = (step) => step,
): RunReport {
  const steps = book.chapters.flatMap((chapter) =>
    statuses[chapter.slug] === 'not-run'
      ? []
      : chapter.steps.map((step) =>
          change({
            id: step.id,
            hash: step.hash,
            chapter: chapter.name,
            title: step.title,
            kind: step.kind,
            host: 'worker-0',
            status: statuses[chapter.slug] === 'failed' ? 'failed' : 'passed',
            durationMs: 1,
            attempts: 1,
            exitCode: 0,
            source: '',
            ...(step.kind === 'check' ? { output: 'seen' } : {}),
          }),
        ),
  );
  return {
    format: 'kubeadm-lab-report/v1',
    book: book.title,
    commit: '0123456789abcdef0123456789abcdef01234567',
    runUrl: 'https://github.com/example/book/actions/runs/42',
    status: Object.values(statuses).includes('failed') ? 'failed' : 'passed',
    startedAt: finishedAt,
    finishedAt,
    durationMs: 1,
    versions: { KUBERNETES_VERSION: '1.36.4' },
    chapters: book.chapters.map((chapter) => ({
      name: chapter.name,
      title: chapter.title,
      slug: chapter.slug,
      status: statuses[chapter.slug]!,
      durationMs: 1,
    })),
    steps,
    diagnostics: [],
  };
}

async function chapterHtml(chapter: Chapter, reports: RunReport[], first = false): Promise<string> {
  const run = mergeReports(book, reports);
  const rendered = await renderPage(book, chapter, chapter.steps, { variables, runs: run.steps });
  const chapterRun = run.chapters.get(chapter.slug);
  return renderLayout({
    book,
    page: chapter,
    rendered,
    pages: book.chapters.map((page) => ({ page, href: `${page.slug}.html`, label: page.title })),
    variables,
    description: '',
    run: { summary: run.run, ...(chapterRun ? { chapter: chapterRun } : {}), showSummary: first },
  });
}

describe('mergeReports and the status a page shows', () => {
  it('says a chapter passed, when, with a link to the run, and the versions only where asked', async () => {
    const report = runReport('2026-11-24T03:40:00Z', { '01-fleet': 'passed', '02-cleanup': 'passed' });
    const html = await chapterHtml(cleanup, [report]);
    expect(html).toContain('<strong>Passed</strong> end to end in the last run, 24 November 2026, 03:40 UTC.');
    expect(html).toContain('<a href="https://github.com/example/book/actions/runs/42">See the run</a>');
    expect(html).not.toContain('KUBERNETES_VERSION');
    const first = await chapterHtml(fleet, [report], true);
    expect(first).toContain('<li><code>KUBERNETES_VERSION</code> 1.36.4</li>');
    expect(first).toContain('at commit <code>0123456</code>');
    // The fixture is part of this checkout, at another commit than the report's.
    expect(first).toContain('This site is built from another commit, <code>');
  });

  it('shows a step whose text changed since the run as not run since it changed, and never its old output', async () => {
    const report = runReport('2026-11-24T03:40:00Z', { '01-fleet': 'passed', '02-cleanup': 'passed' }, (step) =>
      step.id === 'file-arrived' ? { ...step, hash: 'an-older-text', output: 'what the old check saw' } : step,
    );
    const html = await chapterHtml(fleet, [report]);
    expect(html).toContain('<figure class="step step-check" id="step-file-arrived"');
    expect(html).toMatch(/id="step-file-arrived"[^]*?Not run since it changed/);
    expect(html).not.toContain('what the old check saw');
    expect(html).toContain('<strong>Not run since it changed</strong>: 1 step changed or added after the last run');
    expect(html).not.toContain('<strong>Passed</strong>');
  });

  it('treats a step the run never saw (added since) as changed', () => {
    const report = runReport('2026-11-24T03:40:00Z', { '01-fleet': 'passed', '02-cleanup': 'passed' });
    report.steps = report.steps.filter((step) => step.id !== 'nap');
    expect(mergeReports(book, [report]).chapters.get('01-fleet')).toMatchObject({ status: 'passed', changed: 1 });
  });

  it('after a failed run, says later chapters were not run and keeps the date they last passed from an older report', async () => {
    const older = runReport('2026-11-20T02:00:00Z', { '01-fleet': 'passed', '02-cleanup': 'passed' });
    const failed = runReport('2026-11-24T03:40:00Z', { '01-fleet': 'failed', '02-cleanup': 'not-run' });
    const later = await chapterHtml(cleanup, [failed, older]);
    expect(later).toContain('<p class="run-status run-not-run"><strong>Not run</strong> in the last run (24 November 2026, 03:40 UTC)');
    expect(later).toContain('It last passed with this text on 20 November 2026.');
    expect(later).not.toContain('not-run<');
    const broken = await chapterHtml(fleet, [failed, older]);
    expect(broken).toContain('<p class="run-status run-failed">');
    expect(broken).toContain('<strong>Failed</strong> in the last run');
  });

  it('gives no last-passed date from a report that ran another text of the chapter', () => {
    const older = runReport('2026-11-20T02:00:00Z', { '01-fleet': 'passed', '02-cleanup': 'passed' }, (step) => ({ ...step, hash: 'old' }));
    const failed = runReport('2026-11-24T03:40:00Z', { '01-fleet': 'failed', '02-cleanup': 'not-run' });
    expect(mergeReports(book, [older, failed]).chapters.get('02-cleanup')).toEqual({ status: 'not-run', changed: 0 });
  });

  it('links only to a web address and a commit id, whatever a tampered report holds', async () => {
    const report = runReport('2026-11-24T03:40:00Z', { '01-fleet': 'passed', '02-cleanup': 'passed' });
    report.runUrl = 'javascript:alert(1)';
    report.commit = '"><script>alert(1)</script>';
    expect(mergeReports(book, [report]).run).not.toHaveProperty('runUrl');
    const html = await chapterHtml(fleet, [report], true);
    expect(html).not.toContain('javascript:');
    expect(html).not.toContain('<script>alert');
  });
});
