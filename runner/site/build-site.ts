/**
 * `lab build`: the book as a static site in site/: a page per chapter and appendix, a printable
 * whole-book page, a search index, and the assets; nothing is loaded from elsewhere, so it works
 * from any static server and offline.
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTool } from '../execute/run-tool.js';
import MiniSearch from 'minisearch';
import { loadBook } from '../book/load-book.js';
import type { Book, Page, Step } from '../book/types.js';
import { renderLayout, escapeHtml } from './layout.js';
import { mergeReport, readRunReport, type SiteRunInfo } from './merge-report.js';
import { renderPage, type RenderedPage } from './render-page.js';

export interface BuildOptions {
  bookDir: string;
  outDir: string;
  /** A run report (JSON) to show when each chapter last passed and what checks saw. */
  report?: string;
  /** Rebuild only this page (a chapter file changed in preview); the rest is kept. */
  only?: string;
}

export interface BuildResult {
  pages: number;
  outDir: string;
}

interface Entry {
  page: Page;
  steps: Step[];
  href: string;
  label: string;
}

export async function buildSite(options: BuildOptions): Promise<BuildResult> {
  const book = loadBook(options.bookDir);
  const run = options.report ? mergeReport(readRunReport(options.report)) : undefined;
  const entries: Entry[] = [
    ...book.chapters.map((chapter) => ({
      page: chapter as Page,
      steps: chapter.steps,
      href: `${chapter.slug}.html`,
      label: `${chapter.number}. ${chapter.title}`,
    })),
    ...book.appendices.map((appendix, index) => ({
      page: appendix,
      steps: [],
      href: `${appendix.slug}.html`,
      label: `${String.fromCharCode(65 + index)}. ${appendix.title}`,
    })),
  ];
  const outDir = path.resolve(options.outDir);
  mkdirSync(path.join(outDir, 'assets'), { recursive: true });
  const targets = options.only ? entries.filter((entry) => entry.page.file === path.resolve(options.only!)) : entries;
  const rendered = new Map<Entry, RenderedPage>();
  const lastUpdated = await readLastUpdated(targets.map((entry) => entry.page.file));
  for (const entry of targets) {
    const page = await renderPage(book, entry.page, entry.steps, run?.steps);
    rendered.set(entry, page);
    writeAtomically(path.join(outDir, entry.href), pageHtml(book, entry, page, entries, run, lastUpdated.get(entry.page.file)));
  }
  if (!options.only) {
    writeAtomically(
      path.join(outDir, 'index.html'),
      pageHtml(book, entries[0]!, rendered.get(entries[0]!)!, entries, run, lastUpdated.get(entries[0]!.page.file)),
    );
    writeAtomically(path.join(outDir, 'print.html'), printHtml(book, entries, rendered));
    writeAtomically(path.join(outDir, 'search-index.json'), JSON.stringify(searchIndex(entries, rendered)));
    copyAssets(outDir);
  }
  return { pages: targets.length, outDir };
}

function pageHtml(
  book: Book,
  entry: Entry,
  page: RenderedPage,
  entries: Entry[],
  run: SiteRunInfo | undefined,
  updated: string | undefined,
): string {
  const chapterRun = run?.chapters.get(entry.page.slug);
  const editUrl = book.repository
    ? `${book.repository.replace(/\/$/, '')}/edit/main/${path.relative(book.root, entry.page.file)}`
    : undefined;
  return renderLayout({
    book,
    page: entry.page,
    rendered: page,
    pages: entries,
    ...(chapterRun ? { run: chapterRun } : {}),
    ...(updated ? { lastUpdated: updated } : {}),
    ...(editUrl ? { editUrl } : {}),
  });
}

function printHtml(book: Book, entries: Entry[], rendered: Map<Entry, RenderedPage>): string {
  const body = entries.map((entry) => `<section class="print-page">${rendered.get(entry)?.html ?? ''}</section>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(book.title)}</title><link rel="stylesheet" href="assets/site.css">
<script>document.documentElement.dataset.theme = 'light';</script></head>
<body class="print"><main id="content">${body}</main></body></html>
`;
}

function searchIndex(entries: Entry[], rendered: Map<Entry, RenderedPage>) {
  const search = new MiniSearch({ fields: ['title', 'text'], storeFields: ['title', 'href', 'chapter'] });
  search.addAll(
    entries.map((entry, id) => ({
      id,
      title: entry.page.title,
      text: rendered.get(entry)?.text ?? '',
      href: entry.href,
      chapter: entry.label,
    })),
  );
  return search.toJSON();
}

/** The date each page last changed in git, if this is a git checkout. */
async function readLastUpdated(files: string[]): Promise<Map<string, string>> {
  const dates = new Map<string, string>();
  await Promise.all(
    files.map(async (file) => {
      const result = await runTool('git', ['log', '-1', '--format=%cI', '--', path.basename(file)], {
        cwd: path.dirname(file),
      });
      const date = result.stdout.trim();
      if (result.exitCode === 0 && date) dates.set(file, date);
    }),
  );
  return dates;
}

function copyAssets(outDir: string): void {
  const assets = findAssets();
  for (const name of ['site.css', 'site.js']) copyFileSync(path.join(assets, name), path.join(outDir, 'assets', name));
  const require = createRequire(import.meta.url);
  // The browser build of the same MiniSearch that made the index.
  const miniSearch = path.join(path.dirname(require.resolve('minisearch')), '..', 'umd', 'index.js');
  copyFileSync(miniSearch, path.join(outDir, 'assets', 'minisearch.js'));
}

/** runner/site/assets, from the bundle (dist/) or from the sources (tests). */
function findAssets(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    for (const candidate of [path.join(dir, 'assets'), path.join(dir, 'runner/site/assets')]) {
      if (existsSync(path.join(candidate, 'site.css'))) return candidate;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('The site assets (runner/site/assets) are missing; reinstall the project');
    dir = parent;
  }
}

function writeAtomically(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}
