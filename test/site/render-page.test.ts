import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBook } from '../../runner/book/load-book.js';
import { parseChapter } from '../../runner/parse/parse-chapter.js';
import { listSiteVariables } from '../../runner/site/book-variables.js';
import { mergeReports } from '../../runner/site/merge-report.js';
import { renderLayout } from '../../runner/site/layout.js';
import { renderPage } from '../../runner/site/render-page.js';
import type { ReportStep, RunReport } from '../../runner/report/build-report.js';
import { PROJECT_ROOT } from '../helpers/lab.js';

const book = loadBook(path.join(PROJECT_ROOT, 'test/fixtures/fleet/docs'));
const chapter = book.chapters[0]!;
const variables = listSiteVariables(book);
const render = (runs?: ReturnType<typeof mergeReports>['steps']) =>
  renderPage(book, chapter, chapter.steps, { variables, ...(runs ? { runs } : {}) });

describe('renderPage', () => {
  it('captions every step with what to do, where and as whom, and leaves illustrations plain', async () => {
    const { html } = await render();
    expect(html.match(/<figure class="step /g)).toHaveLength(chapter.steps.length);
    expect(html).toContain('<span class="step-action">Run</span> <span class="step-where">on every instance, as your login user</span>');
    expect(html).toContain(
      '<span class="step-action">Run</span> <span class="step-where" title="Paste it in a root shell on the instance (sudo -i)">on controller-0, as root</span>',
    );
    expect(html).toContain('<span class="step-action">Check</span> <span class="step-where">on every worker, as your login user</span>');
    expect(html).toContain('<span class="step-saves">saves its output as <code>JOIN_TOKEN</code></span>');
    expect(html).not.toContain('kubeadm</span>');
  });

  it("shows a file block's path, the variables it needs and its snippet's content", async () => {
    const { html } = await render();
    expect(html).toContain(
      '<span class="step-action">Write</span> <code class="step-path"><span class="var" data-var="LAB_OUT">${LAB_OUT}</span>/kubeadm.yaml</code> <span class="step-where" title="Paste it in a root shell on the instance (sudo -i)">on every instance, as root</span>',
    );
    expect(html).toContain('Needs <code class="need" data-need="JOIN_TOKEN">JOIN_TOKEN</code>');
    expect(html).toContain('JoinConfiguration');
    // The variable in the highlighted content is one span site.js fills in.
    expect(html).toMatch(/<span class="var" data-var="JOIN_TOKEN">(<span[^>]*>)?\$\{JOIN_TOKEN\}/);
  });

  it('pairs blocks with steps by where they open, not by counting fences', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lab-pairing-'));
    try {
      const file = path.join(dir, 'page.md');
      writeFileSync(
        file,
        [
          '# Page',
          '',
          '- item',
          '',
          '  ```sh {sh id=indented}',
          '  echo one',
          '  ```',
          '',
          '```sh {check id=second}',
          'echo two',
          '```',
          '',
        ].join('\n'),
      );
      const source = readFileSync(file, 'utf8');
      const { steps } = parseChapter(source, { file, name: 'chapter-1', slug: 'page', root: dir, targets: new Set(['workstation']) });
      expect(steps.map((step) => step.id)).toEqual(['indented', 'second']);
      // Given in the opposite order, each block still gets its own step.
      const { html } = await renderPage(
        book,
        { name: 'chapter-1', number: 1, slug: 'page', file, title: 'Page', headings: [] },
        steps.reverse(),
        { variables },
      );
      expect(html).toMatch(/id="step-indented"[^]*echo one[^]*id="step-second"[^]*echo two/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("puts a check's expected output beside it instead of as a block of its own", async () => {
    const { html } = await render();
    expect(html).toContain('<div class="step-expected-label">Expect</div>');
    expect(html.match(/127\.0\.0\.\[\.\.\]/g)).toHaveLength(1);
  });

  /** A run report with one check, file-arrived on worker-0, as the site reads it. */
  const checkReport = (seen: Partial<ReportStep>, early?: Partial<ReportStep>): RunReport => {
    const hash = chapter.steps.find((step) => step.id === 'file-arrived')!.hash;
    const check = { id: 'file-arrived', hash, chapter: 'chapter-1', title: '', kind: 'check', host: 'worker-0', durationMs: 1, source: '' };
    return {
      format: 'kubeadm-lab-report/v1',
      book: 'Fleet fixture',
      status: 'passed',
      startedAt: '',
      finishedAt: '2026-11-24T03:40:00Z',
      durationMs: 1,
      versions: {},
      chapters: [],
      diagnostics: [],
      steps: [{ ...check, status: 'passed', attempts: 1, exitCode: 0, ...seen }],
      ...(early ? { earlyChecks: [{ ...check, status: 'failed', attempts: 1, exitCode: 1, ...early }] } : {}),
    };
  };

  it('shows what the last run saw for a check, escaped', async () => {
    const report = checkReport({ output: '<script>alert(1)</script> token: ***' });
    const { html } = await render(mergeReports(book, [report]).steps);
    expect(html).toContain('What the last run saw (worker-0: passed)</summary>');
    expect(html).toContain('&#x3C;script>alert(1)&#x3C;/script> token: ***');
    expect(html).not.toContain('<script>alert(1)</script>');
  });

  it('says whether a check failed before its chapter ran, when the run proved the checks', async () => {
    const proven = await render(mergeReports(book, [checkReport({ attempts: 2 }, {})]).steps);
    expect(proven.html).toContain('What the last run saw (worker-0: passed); before its chapter ran it failed, as it should</summary>');

    const early = mergeReports(book, [checkReport({ attempts: 2 }, { status: 'passed', exitCode: 0 })]).steps;
    const vacuous = await render(early);
    expect(vacuous.html).toContain('; it passed even before its chapter ran, so it proves nothing</summary>');
  });

  it('judges a check on several hosts as the run does: failing on one host before its chapter is enough', async () => {
    const report = checkReport({}, {});
    report.steps.push({ ...report.steps[0]!, host: 'worker-1' });
    report.earlyChecks!.push({ ...report.earlyChecks![0]!, host: 'worker-1', status: 'passed', exitCode: 0 });
    const { html } = await render(mergeReports(book, [report]).steps);
    expect(html).toContain('(worker-0: passed, worker-1: passed); before its chapter ran it failed, as it should</summary>');
  });

  it('gives headings anchors and lists the outline', async () => {
    const page = book.appendices[0] ?? chapter;
    const { html } = await renderPage(book, page, [], { variables });
    expect(html).toMatch(/<h1 id="[a-z-]+">/);
  });
});

describe('renderPage: callouts and layout', () => {
  it('turns :::note into an aside and leaves other directives alone', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lab-callout-'));
    const file = path.join(dir, 'page.md');
    writeFileSync(file, '# Page\n\n:::note\nKeep the CA key safe.\n:::\n');
    const { html } = await renderPage(book, { name: 'appendix-1', number: 1, slug: 'page', file, title: 'Page', headings: [] }, [], {
      variables,
    });
    expect(html).toContain('<aside class="callout callout-note" aria-label="note"><p>Keep the CA key safe.</p></aside>');
  });

  it("links to the page's source for editing, and says when it last changed", async () => {
    const rendered = await render();
    const html = renderLayout({
      book,
      page: chapter,
      rendered,
      pages: [{ page: chapter, href: 'a.html', label: '1. A small fleet' }],
      variables,
      description: 'A small fleet',
      editUrl: 'https://github.com/example/book/edit/main/docs/01-fleet.md',
      lastUpdated: '2026-11-20T10:00:00Z',
    });
    expect(html).toContain('<a href="https://github.com/example/book/edit/main/docs/01-fleet.md">Edit this page</a>');
    expect(html).toContain('Last updated 20 November 2026');
    expect(html).toContain('<li class="current"><a href="a.html" aria-current="page">1. A small fleet</a></li>');
  });
});
