/** `lab list`: the chapters in order, with step counts and how far each got. */
import path from 'node:path';
import type { Book } from '../book/types.js';
import { chapterStatus } from '../plan/plan-run.js';
import type { StateStore } from '../state/state-store.js';
import type { Terminal } from './terminal.js';

export function listCommand(book: Book, store: StateStore, terminal: Terminal): number {
  const state = store.load();
  const width = Math.max(...book.chapters.map((chapter) => chapter.name.length));
  const titleWidth = Math.max(...book.chapters.map((chapter) => chapter.title.length));
  const lines = [`${book.title} (${path.relative(process.cwd(), book.dir) || '.'}/book.yaml)`];
  for (const chapter of book.chapters) {
    const { status, passed } = chapterStatus(chapter, state);
    const steps = `${chapter.steps.length} step${chapter.steps.length === 1 ? '' : 's'}`;
    const progress = status === 'partial' || status === 'failed' ? `${status}, ${passed}/${chapter.steps.length} passed` : status;
    lines.push(
      `  ${chapter.name.padEnd(width)}  ${chapter.title.padEnd(titleWidth)}  ${steps.padStart(9)}  ${progress}${chapter.isCleanup ? '  (cleanup)' : ''}`,
    );
  }
  terminal.out.write(`${lines.join('\n')}\n`);
  return 0;
}
