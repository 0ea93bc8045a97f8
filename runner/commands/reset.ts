/** `lab reset`: forget the progress of some chapters, or all progress, variables and logs. */
import type { Book } from '../book/types.js';
import { findChapter } from '../plan/plan-run.js';
import type { StateStore } from '../state/state-store.js';
import type { Terminal } from './terminal.js';

export function resetCommand(chapters: string[], book: Book, store: StateStore, terminal: Terminal): number {
  const unlock = store.lock();
  try {
    if (chapters.length === 0) {
      store.reset();
      terminal.out.write(`Forgot all progress, variables and logs in ${store.dir} (files steps made in ${store.workDir} stay).\n`);
      return 0;
    }
    const state = store.load();
    const chosen = chapters.map((name) => findChapter(book, name));
    for (const chapter of chosen) for (const step of chapter.steps) delete state.steps[step.id];
    store.save(state);
    terminal.out.write(
      `Forgot the progress of ${chosen.map((chapter) => chapter.name).join(', ')}; they run from their first step next time.\n`,
    );
    return 0;
  } finally {
    unlock();
  }
}
