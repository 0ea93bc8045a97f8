/** The HTML around a page: header with search, values and theme, sidebar, outline, prev/next. */
import { toHtml } from 'hast-util-to-html';
import type { Book, Page } from '../book/types.js';
import type { SiteVariable } from './book-variables.js';
import { formatDate, formatDay } from './format-date.js';
import type { ChapterRunInfo, RunSummary } from './merge-report.js';
import type { RenderedPage } from './render-page.js';
import { renderValuesTable } from './values-form.js';

export interface LayoutInput {
  book: Book;
  page: Page;
  rendered: RenderedPage;
  /** Every page in reading order, with its output file name. */
  pages: { page: Page; href: string; label: string }[];
  variables: readonly SiteVariable[];
  /** The newest run, shown in full on the first page only. */
  run?: { summary: RunSummary; chapter?: ChapterRunInfo; showSummary: boolean };
  lastUpdated?: string;
  editUrl?: string;
  description: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);
}

/** The document head every page shares; `title` and `description` are plain text. Paper is light. */
export function renderHead(title: string, description: string, forPaper = false): string {
  const theme = forPaper
    ? "'light'"
    : "localStorage.getItem('theme') || (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light')";
  return `<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<meta name="description" content="${escapeHtml(description)}">
<link rel="icon" href="assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="assets/site.css">
<script>document.documentElement.dataset.theme = ${theme};</script>`;
}

/** The header, sidebar and values dialog every page shares. */
export function renderChrome(
  book: Book,
  pages: LayoutInput['pages'],
  current: Page | undefined,
  variables: readonly SiteVariable[],
): string {
  const sidebar = pages
    .map((entry) => {
      const isCurrent = entry.page === current;
      return `<li${isCurrent ? ' class="current"' : ''}><a href="${entry.href}"${isCurrent ? ' aria-current="page"' : ''}>${escapeHtml(entry.label)}</a></li>`;
    })
    .join('\n');
  return `<a class="skip" href="#content">Skip to the content</a>
<header class="top">
  <button class="menu" type="button" aria-controls="sidebar" aria-expanded="false">Chapters</button>
  <a class="title" href="index.html">${escapeHtml(book.title)}</a>
  <div class="search" role="search">
    <label for="search-input" class="visually-hidden">Search the book</label>
    <input id="search-input" type="search" placeholder="Search the book" autocomplete="off" role="combobox" aria-expanded="false" aria-controls="search-results" aria-autocomplete="list">
    <div id="search-panel" class="search-panel" hidden><p id="search-status" class="search-status" role="status"></p><ul id="search-results" role="listbox" aria-label="Search results" tabindex="-1"></ul></div>
  </div>
  <button class="values-open" type="button" aria-haspopup="dialog">Your values</button>
  <button class="theme" type="button" aria-label="Switch between light and dark">◐</button>
</header>
<nav id="sidebar" class="sidebar" aria-label="Chapters"><ol>
${sidebar}
</ol><p><a href="print.html">The whole book on one page</a></p></nav>
<dialog id="values-dialog" class="values-dialog" aria-labelledby="values-dialog-title">
<form method="dialog">
<h2 id="values-dialog-title">Your values</h2>
<p>Every code block and every copy on this site uses these. Leave a field empty to use the book’s value. They are kept in this browser only (secrets in this tab only).</p>
${toHtml(renderValuesTable(variables, 'all-values'))}
<p class="values-actions"><button type="button" class="values-forget">Forget my values</button> <button value="close">Close</button></p>
</form>
</dialog>`;
}

/** One line under the title: what the newest run did with this chapter's present text. */
function describeChapterRun(summary: RunSummary, chapter: ChapterRunInfo): string {
  const when = formatDate(summary.finishedAt);
  const link = summary.runUrl ? ` <a href="${escapeHtml(summary.runUrl)}">See the run</a>.` : '';
  const last = chapter.lastPassed
    ? ` It last passed with this text on ${escapeHtml(formatDay(chapter.lastPassed))}.`
    : ' No run report given shows it passing with this text.';
  if (chapter.changed > 0) {
    const steps = chapter.changed === 1 ? '1 step' : `${chapter.changed} steps`;
    const then = chapter.status === 'passed' ? 'passed' : chapter.status === 'not-run' ? 'did not reach it' : chapter.status;
    return `<p class="run-status run-changed"><strong>Not run since it changed</strong>: ${steps} changed or added after the last run (${escapeHtml(when)}), which ${escapeHtml(then === 'did not reach it' ? then : `${then} here`)}.${last}${link}</p>`;
  }
  if (chapter.status === 'passed') {
    return `<p class="run-status run-passed"><span aria-hidden="true">✓</span> <strong>Passed</strong> end to end in the last run, ${escapeHtml(when)}.${link}</p>`;
  }
  if (chapter.status === 'failed' || chapter.status === 'interrupted') {
    return `<p class="run-status run-failed"><span aria-hidden="true">✗</span> <strong>${chapter.status === 'failed' ? 'Failed' : 'Interrupted'}</strong> in the last run, ${escapeHtml(when)}.${last}${link}</p>`;
  }
  return `<p class="run-status run-not-run"><strong>Not run</strong> in the last run (${escapeHtml(when)}): an earlier chapter failed.${last}${link}</p>`;
}

/** The newest run in full, once: when, which commit, the versions it used, and a link to it. */
function describeRunSummary(book: Book, summary: RunSummary): string {
  const commit = summary.commit
    ? book.repository
      ? ` at commit <a href="${escapeHtml(`${book.repository.replace(/\/$/, '')}/commit/${summary.commit}`)}"><code>${escapeHtml(summary.commit.slice(0, 7))}</code></a>`
      : ` at commit <code>${escapeHtml(summary.commit.slice(0, 7))}</code>`
    : '';
  const versions = Object.entries(summary.versions)
    .map(([name, value]) => `<li><code>${escapeHtml(name)}</code> ${escapeHtml(value)}</li>`)
    .join('');
  return `<section class="run-summary" aria-labelledby="run-summary-title"><p id="run-summary-title" class="run-summary-title">The last run of the whole book</p>
<p>${summary.status === 'passed' ? '<span class="run-badge run-passed">passed</span>' : `<span class="run-badge run-failed">${escapeHtml(summary.status)}</span>`} ${escapeHtml(formatDate(summary.finishedAt))}${commit}.${summary.runUrl ? ` <a href="${escapeHtml(summary.runUrl)}">See the run</a>.` : ''}</p>
${
  summary.builtFrom
    ? `<p>This site is built from another commit, <code>${escapeHtml(summary.builtFrom.slice(0, 7))}</code>: every step whose text changed since the run says so.</p>`
    : ''
}
${versions ? `<p>With these versions:</p><ul class="run-versions">${versions}</ul>` : ''}</section>`;
}

export function renderLayout(input: LayoutInput): string {
  const { book, page, rendered, pages } = input;
  const index = pages.findIndex((entry) => entry.page === page);
  const previous = pages[index - 1];
  const next = pages[index + 1];
  const outline = rendered.outline
    .map((item) => `<li class="depth-${item.depth}"><a href="#${escapeHtml(item.id)}">${escapeHtml(item.text)}</a></li>`)
    .join('\n');
  const run = input.run
    ? `${input.run.showSummary ? describeRunSummary(book, input.run.summary) : ''}${input.run.chapter ? describeChapterRun(input.run.summary, input.run.chapter) : ''}`
    : '';
  const footer = [
    input.lastUpdated ? `<span>Last updated ${escapeHtml(formatDay(input.lastUpdated))}</span>` : '',
    input.editUrl ? `<a href="${escapeHtml(input.editUrl)}">Edit this page</a>` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  return `<!doctype html>
<html lang="en">
<head>
${renderHead(`${page.title} · ${book.title}`, input.description)}
</head>
<body>
${renderChrome(book, pages, page, input.variables)}
<main id="content" tabindex="-1">
${placeAfterTitle(rendered.html, run)}
<nav class="pager" aria-label="Previous and next">
${previous ? `<a rel="prev" href="${previous.href}"><span>Previous</span> ${escapeHtml(previous.label)}</a>` : '<span></span>'}
${next ? `<a rel="next" href="${next.href}"><span>Next</span> ${escapeHtml(next.label)}</a>` : '<span></span>'}
</nav>
<footer>${footer}</footer>
</main>
${outline ? `<nav class="outline" aria-label="On this page"><p>On this page</p><ul>\n${outline}\n</ul></nav>` : ''}
<script src="assets/variables.js"></script>
<script src="assets/site.js"></script>
</body>
</html>
`;
}

/** The run's status goes right under the page's title. */
function placeAfterTitle(html: string, status: string): string {
  const end = html.indexOf('</h1>');
  return end === -1 ? `${status}${html}` : `${html.slice(0, end + 5)}\n${status}${html.slice(end + 5)}`;
}
