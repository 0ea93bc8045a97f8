/** `lab status`: where the state is, the variables steps set (secrets masked), and what to run next. */
import path from 'node:path';
import type { Book } from '../book/types.js';
import { startVariables, describeVariables } from '../execute/variables.js';
import { maskFor } from '../mask/mask-secrets.js';
import { chapterStatus } from '../plan/plan-run.js';
import type { StateStore } from '../state/state-store.js';
import type { Terminal } from './terminal.js';

export function statusCommand(book: Book, store: StateStore, terminal: Terminal): number {
  const state = store.load();
  const variables = startVariables(book, state);
  const lines = [`State: ${path.relative(process.cwd(), store.dir) || '.'} (book: ${path.relative(process.cwd(), book.dir) || '.'})`];
  const assigned = [...variables.assigned].sort();
  lines.push(assigned.length > 0 ? 'Variables set by steps:' : 'No variables set by steps yet.');
  lines.push(...describeVariables(variables, assigned, maskFor(variables)).map((line) => `  ${line}`));

  const failed = book.chapters.flatMap((chapter) => chapter.steps).find((step) => state.steps[step.id]?.status === 'failed');
  if (failed) {
    const hosts = Object.entries(state.steps[failed.id]!.hosts)
      .filter(([, record]) => record.status === 'failed')
      .map(([host]) => host);
    lines.push(
      `Last failure: ${failed.id} on ${hosts.join(', ')} (${path.relative(process.cwd(), failed.position.file)}:${failed.position.line}); logs in ${path.relative(process.cwd(), path.join(store.logsDir, failed.chapter))}/`,
    );
  }
  const next = book.chapters.find((chapter) => !chapter.isCleanup && chapterStatus(chapter, state).status !== 'passed');
  lines.push(next ? `Next: lab run ${next.name}  (${next.title})` : 'Every chapter has passed.');
  terminal.out.write(`${lines.join('\n')}\n`);
  return 0;
}
