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
import { listSiteVariables, type SiteVariable } from './book-variables.js';
import { renderChrome, renderHead, renderLayout, escapeHtml } from './layout.js';
import { mergeReports, readRunReport, type SiteRunInfo } from './merge-report.js';
import { renderPage, type RenderedPage } from './render-page.js';
import { renderPrintPage } from './print-page.js';
import { startPageParsing } from './parse-page.js';
import { startHighlighting, type Highlighting } from './start-highlighting.js';
import { indexTerms, processTerm, queryTerms } from './search-terms.js';

export interface BuildOptions {
  bookDir: string;
  outDir: string;
  /**
   * Run reports (JSON): the newest says what the last run did with each step's present text; the
   * older ones, when each chapter last passed with it.
   */
  reports?: string[];
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
  // First, so the worker loads Shiki and highlights the book's code while this thread reads the book.
  const highlighting = startHighlighting({ inWorker: !options.only, bookDir: options.bookDir });
  try {
    return await buildWith(highlighting, options);
  } finally {
    await highlighting.close();
  }
}

async function buildWith(highlighting: Highlighting, options: BuildOptions): Promise<BuildResult> {
  // A whole build parses each page once, for the loader and the pages; a page rebuilt alone is
  // the only one rendered, so the loader's own (quicker) CommonMark parse serves the others.
  const parsing = options.only ? undefined : startPageParsing();
  const book = loadBook(options.bookDir, parsing ? { parse: parsing.parse } : {});
  const run = options.reports?.length ? mergeReports(book, options.reports.map(readRunReport)) : undefined;
  const variables = listSiteVariables(book);
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
  // git answers while the pages render.
  const reading = readLastUpdated(
    book.dir,
    targets.map((entry) => entry.page.file),
  );
  // Each page is parsed here while the worker highlights the code of the pages before it.
  const pages = await Promise.all(
    targets.map((entry) => {
      const tree = parsing?.take(entry.page.file);
      return renderPage(book, entry.page, entry.steps, {
        variables,
        highlight: highlighting.highlight,
        ...(run ? { runs: run.steps } : {}),
        ...(tree ? { tree } : {}),
      });
    }),
  );
  const rendered = new Map<Entry, RenderedPage>(targets.map((entry, index) => [entry, pages[index]!]));
  const lastUpdated = await reading;
  for (const [entry, page] of rendered) {
    const context = { book, entries, variables, run, updated: lastUpdated.get(entry.page.file) };
    writeAtomically(path.join(outDir, entry.href), pageHtml(context, entry, page));
    if (entry === entries[0]) writeAtomically(path.join(outDir, 'index.html'), pageHtml(context, entry, page));
  }
  if (!options.only) {
    // The print page takes the trees over (it changes them in place): nothing reads them after it.
    writeAtomically(
      path.join(outDir, 'print.html'),
      renderPrintPage(
        book,
        entries.map((entry) => ({ page: entry.page, label: entry.label, tree: rendered.get(entry)!.tree })),
      ),
    );
    writeAtomically(path.join(outDir, '404.html'), notFoundHtml(book, entries, variables));
    writeAtomically(path.join(outDir, 'assets', 'search-index.js'), searchScript(entries, rendered));
    copyAssets(outDir);
  }
  // Always: a page rebuilt alone may have changed what the book's variables are.
  writeAtomically(path.join(outDir, 'assets', 'variables.js'), variablesScript(book.title, variables));
  return { pages: targets.length, outDir };
}

interface SiteContext {
  book: Book;
  entries: Entry[];
  variables: SiteVariable[];
  run: SiteRunInfo | undefined;
  updated: string | undefined;
}

function pageHtml(context: SiteContext, entry: Entry, page: RenderedPage): string {
  const { book, run } = context;
  const editUrl = book.repository
    ? `${book.repository.replace(/\/$/, '')}/edit/main/${path.relative(book.root, entry.page.file)}`
    : undefined;
  const chapterRun = run?.chapters.get(entry.page.slug);
  return renderLayout({
    book,
    page: entry.page,
    rendered: page,
    pages: context.entries,
    variables: context.variables,
    description: describePage(book, entry.page, page),
    ...(run
      ? { run: { summary: run.run, ...(chapterRun ? { chapter: chapterRun } : {}), showSummary: entry === context.entries[0] } }
      : {}),
    ...(context.updated ? { lastUpdated: context.updated } : {}),
    ...(editUrl ? { editUrl } : {}),
  });
}

/** The meta description: the page's first words, cut at a word near 155 characters. */
function describePage(book: Book, page: Page, rendered: RenderedPage): string {
  const text = rendered.sections.find((section) => section.text !== '')?.text ?? book.title;
  const cut = text.length > 155 ? `${text.slice(0, 155).replace(/\s+\S*$/, '')}…` : text;
  return `${page.title}: ${cut}`;
}

function notFoundHtml(book: Book, entries: Entry[], variables: SiteVariable[]): string {
  return `<!doctype html>
<html lang="en"><head>
${renderHead(`Page not found · ${book.title}`, `This page of ${book.title} does not exist.`)}
</head><body>
${renderChrome(book, entries, undefined, variables)}
<main id="content" tabindex="-1"><h1>Page not found</h1>
<p>There is no such page in this book. Start from <a href="index.html">the first chapter</a>, pick one in the list of chapters, or search.</p></main>
<script src="assets/variables.js"></script>
<script src="assets/site.js"></script>
</body></html>
`;
}

/** What site.js needs to know of the book's variables; the title keeps two books' values apart (file:// is one origin). */
function variablesScript(title: string, variables: SiteVariable[]): string {
  const data = variables.map((variable) => ({
    name: variable.name,
    default: variable.default,
    secret: variable.secret,
    captured: Boolean(variable.capturedBy),
    ...(variable.valid ? { valid: variable.valid } : {}),
  }));
  return `window.labBook = ${JSON.stringify({ title, variables: data })};\n`;
}

/**
 * The search index as a script, so search works from file:// as well as from a server: one
 * document per section, with its text for excerpts, and the term functions the index was made with.
 */
function searchScript(entries: Entry[], rendered: Map<Entry, RenderedPage>): string {
  const options = { fields: ['title', 'text'], storeFields: ['title', 'page', 'href', 'text'] };
  // The book repeats its words: each is stemmed once (processTerm depends on the term alone).
  const stems = new Map<string, string>();
  const stemOnce = (term: string) => {
    let stem = stems.get(term);
    if (stem === undefined) stems.set(term, (stem = processTerm(term)));
    return stem;
  };
  const search = new MiniSearch({ ...options, tokenize: indexTerms, processTerm: stemOnce });
  let id = 0;
  for (const entry of entries) {
    for (const section of rendered.get(entry)?.sections ?? []) {
      search.add({
        id: id++,
        title: section.title || entry.page.title,
        page: entry.label,
        href: section.id ? `${entry.href}#${section.id}` : entry.href,
        text: section.text,
      });
    }
  }
  return `window.labSearch = { options: ${JSON.stringify(options)}, queryTerms: ${queryTerms.toString()}, processTerm: ${processTerm.toString()}, index: ${JSON.stringify(JSON.stringify(search))} };\n`;
}

/**
 * The date each page last changed in git, if this is a git checkout: one `git log` for every
 * page (a process per page cost more than rendering some of them), newest commit first.
 */
async function readLastUpdated(dir: string, files: string[]): Promise<Map<string, string>> {
  const dates = new Map<string, string>();
  const names = files.map((file) => path.relative(dir, file));
  const result = await runTool('git', ['log', '--format=%x00%cI', '--name-only', '--relative', '--', ...names], { cwd: dir });
  if (result.exitCode !== 0) return dates;
  let date = '';
  for (const line of result.stdout.split('\n')) {
    if (line.startsWith('\0')) date = line.slice(1);
    else if (line !== '' && date !== '' && !dates.has(path.join(dir, line))) dates.set(path.join(dir, line), date);
  }
  return dates;
}

function copyAssets(outDir: string): void {
  const assets = findAssets();
  for (const name of ['site.css', 'site.js', 'favicon.svg']) copyFileSync(path.join(assets, name), path.join(outDir, 'assets', name));
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
