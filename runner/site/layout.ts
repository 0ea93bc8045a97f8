/** The HTML around a page: header with search and theme toggle, sidebar, outline, prev/next. */
import type { Book, Page } from '../book/types.js';
import type { ChapterRunInfo } from './merge-report.js';
import type { RenderedPage } from './render-page.js';

export interface LayoutInput {
  book: Book;
  page: Page;
  rendered: RenderedPage;
  /** Every page in reading order, with its output file name. */
  pages: { page: Page; href: string; label: string }[];
  run?: ChapterRunInfo;
  lastUpdated?: string;
  editUrl?: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);
}

export function renderLayout(input: LayoutInput): string {
  const { book, page, rendered, pages } = input;
  const index = pages.findIndex((entry) => entry.page === page);
  const previous = pages[index - 1];
  const next = pages[index + 1];
  const sidebar = pages
    .map((entry) => {
      const current = entry.page === page;
      return `<li${current ? ' class="current"' : ''}><a href="${entry.href}"${current ? ' aria-current="page"' : ''}>${escapeHtml(entry.label)}</a></li>`;
    })
    .join('\n');
  const outline = rendered.outline
    .map((item) => `<li class="depth-${item.depth}"><a href="#${escapeHtml(item.id)}">${escapeHtml(item.text)}</a></li>`)
    .join('\n');
  const run = input.run
    ? `<p class="run-status run-${escapeHtml(input.run.status)}">Last run end to end: <strong>${escapeHtml(input.run.status)}</strong>, ${escapeHtml(input.run.finishedAt)}${
        Object.keys(input.run.versions).length > 0
          ? ` (${Object.entries(input.run.versions)
              .map(([name, value]) => `${escapeHtml(name)} ${escapeHtml(value)}`)
              .join(', ')})`
          : ''
      }</p>`
    : '';
  const footer = [
    input.lastUpdated ? `<span>Last updated ${escapeHtml(input.lastUpdated.slice(0, 10))}</span>` : '',
    input.editUrl ? `<a href="${escapeHtml(input.editUrl)}">Edit this page</a>` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)} · ${escapeHtml(book.title)}</title>
<link rel="stylesheet" href="assets/site.css">
<script>document.documentElement.dataset.theme = localStorage.getItem('theme') || (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');</script>
</head>
<body>
<a class="skip" href="#content">Skip to the content</a>
<header class="top">
  <button class="menu" type="button" aria-controls="sidebar" aria-expanded="false">Chapters</button>
  <a class="title" href="index.html">${escapeHtml(book.title)}</a>
  <form class="search" role="search" onsubmit="return false">
    <label for="search-input" class="visually-hidden">Search the book</label>
    <input id="search-input" type="search" placeholder="Search the book" autocomplete="off">
    <ul id="search-results" role="listbox" hidden></ul>
  </form>
  <button class="theme" type="button" aria-label="Switch between light and dark">◐</button>
</header>
<nav id="sidebar" class="sidebar" aria-label="Chapters"><ol>
${sidebar}
</ol><p><a href="print.html">The whole book on one page</a></p></nav>
<main id="content" tabindex="-1">
${run}
${rendered.html}
<nav class="pager" aria-label="Previous and next">
${previous ? `<a rel="prev" href="${previous.href}"><span>Previous</span> ${escapeHtml(previous.label)}</a>` : '<span></span>'}
${next ? `<a rel="next" href="${next.href}"><span>Next</span> ${escapeHtml(next.label)}</a>` : '<span></span>'}
</nav>
<footer>${footer}</footer>
</main>
<nav class="outline" aria-label="On this page"><p>On this page</p><ul>
${outline}
</ul></nav>
<script src="assets/minisearch.js"></script>
<script src="assets/site.js"></script>
</body>
</html>
`;
}
