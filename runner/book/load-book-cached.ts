/**
 * The book as the CLI loads it: from a cache while no file it was read from has changed, so a
 * `lab run` or `lab list` skips loading YAML, zod and micromark and parsing every chapter (about
 * a third of its start-up). The cache is keyed on the book folder and the runner's own build,
 * checked against the size and modification time of book.yaml, every page and every include,
 * and written atomically; any doubt means a fresh load. Only books without problems are cached.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Book } from './types.js';

const CACHE_VERSION = 1;

interface CacheEntry {
  version: typeof CACHE_VERSION;
  runner: string;
  files: Record<string, string>;
  book: Book;
}

export async function loadBookCached(dir: string, cacheDir = defaultCacheDir()): Promise<Book> {
  const bookDir = path.resolve(dir);
  const cacheFile = path.join(cacheDir, `book-${createHash('sha256').update(bookDir).digest('hex').slice(0, 16)}.json`);
  const runner = runnerStamp();
  const cached = readEntry(cacheFile);
  if (cached && cached.runner === runner && Object.entries(cached.files).every(([file, stamp]) => fileStamp(file) === stamp)) {
    return cached.book;
  }
  const { loadBook, BOOK_FILE } = await import('./load-book.js');
  const book = loadBook(bookDir);
  const inputs = [
    path.join(bookDir, BOOK_FILE),
    ...book.chapters.map((chapter) => chapter.file),
    ...book.appendices.map((page) => page.file),
    ...book.chapters.flatMap((chapter) =>
      chapter.steps.flatMap((step) => (step.kind === 'file' && step.include ? [path.join(book.root, step.include)] : [])),
    ),
  ];
  const files = Object.fromEntries(inputs.map((file) => [file, fileStamp(file)]));
  writeEntry(cacheFile, { version: CACHE_VERSION, runner, files, book });
  return book;
}

function defaultCacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'kubeadm-lab');
}

/** The build of the runner that parsed the book: a new build parses afresh. */
function runnerStamp(): string {
  return fileStamp(fileURLToPath(import.meta.url));
}

function fileStamp(file: string): string {
  try {
    const stat = statSync(file);
    return `${stat.size}:${stat.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

/**
 * A cached book is the commands lab runs: only an entry this user wrote, in a folder only this
 * user can write, is trusted (with XDG_CACHE_HOME=/tmp another user could plant one).
 */
function readEntry(file: string): CacheEntry | undefined {
  let fd: number | undefined;
  try {
    if (!isPrivate(statSync(path.dirname(file)))) return undefined;
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    const stat = fstatSync(fd);
    if (!stat.isFile() || !isPrivate(stat)) return undefined;
    const entry = JSON.parse(readFileSync(fd, 'utf8')) as CacheEntry;
    return entry.version === CACHE_VERSION ? entry : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function writeEntry(file: string, entry: CacheEntry): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    if (!isPrivate(statSync(path.dirname(file)))) return;
    const temporary = `${file}.${process.pid}.tmp`;
    // wx: never through a file or link someone else put there.
    writeFileSync(temporary, JSON.stringify(entry), { mode: 0o600, flag: 'wx' });
    renameSync(temporary, file);
  } catch {
    // A cache that cannot be written only costs the next start its parse.
  }
}

/** Owned by this user and writable by no one else. */
function isPrivate(stat: Stats): boolean {
  return stat.uid === process.getuid?.() && (stat.mode & 0o022) === 0;
}
