/** `lab list`: the chapters in order, with step counts and how far each got; `--json` for tools. */
import path from 'node:path';
import type { Book } from '../book/types.js';
import { chapterStatus, type ChapterStatus } from '../plan/plan-run.js';
import type { StateStore } from '../state/state-store.js';
import type { Terminal } from './terminal.js';

/** `lab list --json`; the fields are documented in docs/appendix-verification.md. */
export interface ListJson {
  format: 'lab-list/1';
  title: string;
  /** book.yaml, relative to the current directory. */
  book: string;
  chapters: {
    name: string;
    number: number;
    title: string;
    file: string;
    steps: number;
    passed: number;
    status: ChapterStatus;
    cleanup: boolean;
  }[];
}

export function listCommand(book: Book, store: StateStore, terminal: Terminal, options: { json?: boolean } = {}): number {
  const state = store.load();
  const chapters = book.chapters.map((chapter) => ({ chapter, ...chapterStatus(chapter, state) }));
  if (options.json) {
    const json: ListJson = {
      format: 'lab-list/1',
      title: book.title,
      book: path.relative(process.cwd(), path.join(book.dir, 'book.yaml')),
      chapters: chapters.map(({ chapter, status, passed }) => ({
        name: chapter.name,
        number: chapter.number,
        title: chapter.title,
        file: path.relative(process.cwd(), chapter.file),
        steps: chapter.steps.length,
        passed,
        status,
        cleanup: chapter.isCleanup,
      })),
    };
    terminal.out.write(`${JSON.stringify(json, null, 2)}\n`);
    return 0;
  }
  const width = Math.max(...book.chapters.map((chapter) => chapter.name.length));
  const titleWidth = Math.max(...book.chapters.map((chapter) => chapter.title.length));
  const lines = [`${book.title} (${path.relative(process.cwd(), book.dir) || '.'}/book.yaml)`];
  for (const { chapter, status, passed } of chapters) {
    const steps = `${chapter.steps.length} step${chapter.steps.length === 1 ? '' : 's'}`;
    const progress = status === 'partial' || status === 'failed' ? `${status}, ${passed}/${chapter.steps.length} passed` : status;
    lines.push(
      `  ${chapter.name.padEnd(width)}  ${chapter.title.padEnd(titleWidth)}  ${steps.padStart(9)}  ${progress}${chapter.isCleanup ? '  (cleanup)' : ''}`,
    );
  }
  terminal.out.write(`${lines.join('\n')}\n`);
  return 0;
}
