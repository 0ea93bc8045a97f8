/** Reads a book folder (book.yaml and its chapters) into the book model, or every problem in it. */
import type { Root } from 'mdast';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { parseChapter } from '../parse/parse-chapter.js';
import { readBookConfig, type BookConfig, type LocateConfig } from './book-config.js';
import { BookError, type Problem } from './problems.js';
import { isPermissionProblem, readSource } from './read-source.js';
import { WORKSTATION, type Book, type Chapter, type Page } from './types.js';

export const BOOK_FILE = 'book.yaml';

export interface LoadOptions {
  /** Parses a page's Markdown instead of CommonMark (the site shares its parse: runner/site/parse-page.ts). */
  parse?: (source: string, file: string) => Root;
}

/** Loads the book in `dir`; throws BookError listing every problem found. */
export function loadBook(dir: string, options: LoadOptions = {}): Book {
  const { book, problems } = readBook(dir, options);
  if (!book || problems.length > 0) throw new BookError(problems);
  return book;
}

/**
 * Reads as much of the book as it can: the book (if book.yaml is usable) with every step that
 * parsed, and every problem found. `lab check` goes on from here; `lab run` refuses any problem.
 */
export function readBook(dir: string, options: LoadOptions = {}): { book?: Book; problems: Problem[] } {
  const bookDir = path.resolve(dir);
  const configFile = path.join(bookDir, BOOK_FILE);
  const source = readSource(configFile);
  if ('missing' in source) {
    const message =
      source.code === 'ENOENT' || source.code === 'ENOTDIR'
        ? `No ${BOOK_FILE} here; point --book at the folder that holds the book's ${BOOK_FILE}`
        : isPermissionProblem(source.code)
          ? `${BOOK_FILE} cannot be read: ${source.missing}`
          : `${BOOK_FILE} cannot be read: ${source.missing}; point --book at the folder that holds the book's ${BOOK_FILE}`;
    return { problems: [{ file: configFile, line: 1, column: 1, message, rule: 'no-book' }] };
  }
  if ('problem' in source) return { problems: [{ file: configFile, ...source.problem, rule: 'bad-encoding' }] };
  const read = readBookConfig(source.text, configFile);
  if (!read.config) return { problems: read.problems };
  const built = buildBook(bookDir, read.config, read.locate, options);
  return {
    book: built.book,
    problems: [
      ...built.problems,
      ...findPageNameClashes(read.config, configFile, read.locate),
      ...findDuplicateIds(built.book),
      ...findAmbiguousCaptures(built.book),
    ],
  };
}

function buildBook(bookDir: string, config: BookConfig, locate: LocateConfig, options: LoadOptions): { book: Book; problems: Problem[] } {
  const root = path.dirname(bookDir);
  const groups: Record<string, string[]> = { ...config.hosts };
  const hosts = [...new Set(Object.values(config.hosts).flat())];
  groups.all = hosts;
  const targets = new Set([...hosts, ...Object.keys(groups), WORKSTATION]);
  const problems: Problem[] = [];
  const configFile = path.join(bookDir, BOOK_FILE);

  const readPage = (relative: string, name: string, list: 'chapters' | 'appendices', index: number) => {
    const file = path.join(bookDir, relative);
    const listed = (message: string, rule: string) => {
      problems.push({ file: configFile, ...locate([list, index]), message, rule });
      return undefined;
    };
    const outside = findOutside(bookDir, file);
    if (outside) {
      return listed(
        `\`${relative}\`, listed in ${list}, ${outside}; a book runs only its own pages: move it into ${path.relative(process.cwd(), bookDir) || '.'}/`,
        'page-outside-book',
      );
    }
    const source = readSource(file);
    if ('missing' in source) {
      return source.code === 'ENOENT'
        ? listed(
            `\`${relative}\`, listed in ${list}, does not exist (looked for ${path.relative(process.cwd(), file)}); create it or remove it from ${list}`,
            'missing-chapter',
          )
        : listed(
            `\`${relative}\`, listed in ${list}, cannot be read: ${source.missing}${isPermissionProblem(source.code) ? '' : '; list a Markdown file'}`,
            'unreadable-chapter',
          );
    }
    if ('problem' in source) {
      problems.push({ file, ...source.problem, rule: 'bad-encoding' });
      return undefined;
    }
    const { parse } = options;
    const context = { file, name, slug: path.basename(relative, '.md'), root, targets };
    const parsed = parse ? parseChapter(source.text, context, (text) => parse(text, file)) : parseChapter(source.text, context);
    problems.push(...parsed.problems);
    // A page too deep to parse is left out, so that no later reader (lint, site) parses it again.
    if (parsed.problems.some((problem) => problem.rule === 'too-complex')) return undefined;
    return { file, parsed };
  };

  const chapters: Chapter[] = [];
  config.chapters.forEach((relative, index) => {
    const name = `chapter-${index + 1}`;
    const page = readPage(relative, name, 'chapters', index);
    if (!page) return;
    const { title, steps, headings } = page.parsed;
    chapters.push({
      name,
      number: index + 1,
      slug: path.basename(relative, '.md'),
      file: page.file,
      title,
      steps,
      headings,
      isCleanup: relative === config.cleanup,
    });
  });

  const appendices: Page[] = [];
  config.appendices.forEach((relative, index) => {
    const name = `appendix-${index + 1}`;
    const page = readPage(relative, name, 'appendices', index);
    if (!page) return;
    const { title, steps, headings } = page.parsed;
    for (const step of steps) {
      problems.push({
        ...step.position,
        message: 'An appendix is read, never run; remove the braces to make this block an illustration, or move it to a chapter',
        rule: 'step-in-appendix',
      });
    }
    appendices.push({ name, number: index + 1, slug: path.basename(relative, '.md'), file: page.file, title, headings });
  });

  const cleanup = chapters.find((chapter) => chapter.isCleanup)?.name;
  const book: Book = {
    dir: bookDir,
    root,
    title: config.title,
    chapters,
    appendices,
    groups,
    hosts,
    vars: Object.entries(config.vars).map(([name, value]) =>
      typeof value === 'string'
        ? { name, default: value, secret: false }
        : {
            name,
            default: value.default,
            secret: value.secret ?? false,
            ...(value.description ? { description: value.description } : {}),
            ...(value.valid ? { valid: value.valid } : {}),
          },
    ),
    gce: config.gce,
    diagnostics: config.diagnostics.map((diagnostic) => ({
      title: diagnostic.title,
      script: diagnostic.run,
      target: diagnostic.on ? diagnostic.on.split(',').map((name) => name.trim()) : [WORKSTATION],
    })),
    ...(cleanup ? { cleanup } : {}),
    ...(config.repository ? { repository: config.repository } : {}),
  };
  config.diagnostics.forEach((diagnostic, index) => {
    const unknown = (diagnostic.on ?? WORKSTATION)
      .split(',')
      .map((name) => name.trim())
      .filter((name) => !targets.has(name));
    if (unknown.length > 0) {
      problems.push({
        file: configFile,
        ...locate(['diagnostics', index, 'on']),
        message: `diagnostics[${index}] runs on ${unknown.join(', ')}, which is no host or group of the book`,
        rule: 'unknown-host',
      });
    }
  });
  return { book, problems };
}

function findDuplicateIds(book: Book): Problem[] {
  const seen = new Map<string, Chapter['steps'][number]>();
  const problems: Problem[] = [];
  for (const step of book.chapters.flatMap((chapter) => chapter.steps)) {
    const first = seen.get(step.id);
    if (first) {
      problems.push({
        ...step.position,
        message: `Step id \`${step.id}\` is already used at ${path.relative(process.cwd(), first.position.file)}:${first.position.line}; give one of them another id=`,
        rule: 'duplicate-id',
      });
    } else {
      seen.set(step.id, step);
    }
  }
  return problems;
}

/**
 * `lab run NAME` takes a chapter's name, its number or its file's name, and the site names a
 * page after its file: two pages with one file name, or a file named like another chapter
 * (3.md as chapter 1, so `lab run 3` would run it), would run or show the wrong one.
 */
function findPageNameClashes(config: BookConfig, configFile: string, locate: LocateConfig): Problem[] {
  const pages = [
    ...config.chapters.map((relative, index) => ({ relative, list: 'chapters', index, name: `chapter-${index + 1}`, number: index + 1 })),
    ...config.appendices.map((relative, index) => ({
      relative,
      list: 'appendices',
      index,
      name: `appendix-${index + 1}`,
      number: undefined,
    })),
  ];
  const problems: Problem[] = [];
  const seen = new Map<string, string>();
  for (const page of pages) {
    const slug = path.basename(page.relative, '.md');
    const problem = (message: string) =>
      problems.push({ file: configFile, ...locate([page.list, page.index]), message, rule: 'page-name-clash' });
    const other = seen.get(slug.toLowerCase());
    if (other === page.relative) {
      problem(`\`${page.relative}\` is listed as a chapter and as an appendix; list it once`);
      continue;
    }
    if (other !== undefined) {
      problem(
        `\`${page.relative}\` has the file name of \`${other}\`; \`lab run ${slug}\` and the page ${slug}.html would mean either: rename one`,
      );
      continue;
    }
    seen.set(slug.toLowerCase(), page.relative);
    const named = /^(?:(?:chapter|appendix)-)?\d+$/i.test(slug) && slug !== page.name && slug !== String(page.number);
    if (named)
      problem(
        `\`${page.relative}\` is named like another chapter (\`lab run ${slug}\` would be ambiguous); give the file a name that says what it is about`,
      );
    if (['index', 'print'].includes(slug.toLowerCase()))
      problem(`\`${page.relative}\` would be written over by the site's own ${slug}.html; rename it`);
  }
  return problems;
}

/** capture= takes one host's output; on a group it would be a guess which one. */
function findAmbiguousCaptures(book: Book): Problem[] {
  return book.chapters
    .flatMap((chapter) => chapter.steps)
    .filter((step) => step.kind !== 'file' && step.capture !== undefined)
    .filter((step) => step.target.flatMap((name) => book.groups[name] ?? [name]).length > 1)
    .map((step) => ({
      ...step.position,
      message: `\`capture=\` needs one host, but on=${step.target.join(',')} names several; capture on one of them (say on=${book.groups[step.target[0]!]?.[0] ?? step.target[0]})`,
      rule: 'capture-on-many-hosts',
    }));
}

/** Why `file` is not inside the book's folder, following links; undefined when it is. */
function findOutside(bookDir: string, file: string): string | undefined {
  if (!isInside(bookDir, file)) return "is outside the book's folder";
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    // Not there (or not readable): reading it says so.
    return undefined;
  }
  return isInside(realpathSync(bookDir), real) ? undefined : `leads outside the book's folder through a link (to ${real})`;
}

function isInside(dir: string, file: string): boolean {
  const relative = path.relative(dir, file);
  return relative !== '' && relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}
