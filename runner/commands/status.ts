/** `lab status`: where the state is, the variables steps set (secrets masked), and what to run next. */
import path from 'node:path';
import type { Book } from '../book/types.js';
import { spellCommand } from '../cli/spell-command.js';
import { startVariables, describeVariables } from '../execute/variables.js';
import { createMask, maskFor } from '../mask/mask-secrets.js';
import { chapterStatus } from '../plan/plan-run.js';
import type { StateStore } from '../state/state-store.js';
import type { Terminal } from './terminal.js';

/** `lab status --json`; the fields are documented in docs/appendix-verification.md. */
export interface StatusJson {
  format: 'lab-status/1';
  /** The state folder and the book folder, relative to the current directory. */
  state: string;
  book: string;
  /** Variables set by steps, by name; a secret's value is null. */
  variables: { name: string; value: string | null; secret: boolean }[];
  lastFailure: { step: string; chapter: string; hosts: string[]; file: string; line: number; logs: string } | null;
  /** The first chapter, cleanup aside, that has not passed; null when every one has. */
  next: { chapter: string; title: string; command: string } | null;
}

export function statusCommand(book: Book, store: StateStore, terminal: Terminal, options: { json?: boolean } = {}): number {
  const relative = (file: string) => path.relative(process.cwd(), file) || '.';
  const state = store.load();
  const variables = startVariables(book, state);
  const assigned = [...variables.assigned].sort();
  const failedStep = book.chapters.flatMap((chapter) => chapter.steps).find((step) => state.steps[step.id]?.status === 'failed');
  const lastFailure = failedStep
    ? {
        step: failedStep.id,
        chapter: failedStep.chapter,
        hosts: Object.entries(state.steps[failedStep.id]!.hosts)
          .filter(([, record]) => record.status === 'failed')
          .map(([host]) => host),
        file: relative(failedStep.position.file),
        line: failedStep.position.line,
        logs: relative(path.join(store.logsDir, failedStep.chapter)),
      }
    : null;
  const nextChapter = book.chapters.find((chapter) => !chapter.isCleanup && chapterStatus(chapter, state).status !== 'passed');
  const next = nextChapter
    ? { chapter: nextChapter.name, title: nextChapter.title, command: spellCommand(`run ${nextChapter.name}`) }
    : null;

  if (options.json) {
    // Not maskFor: on GitHub Actions it announces the secrets on stdout, which would break the
    // JSON; no secret's value is printed here, and the mask hides one inside another value.
    const mask = createMask([...variables.secret].map((name) => variables.values.get(name) ?? ''));
    const json: StatusJson = {
      format: 'lab-status/1',
      state: relative(store.dir),
      book: relative(book.dir),
      variables: assigned.map((name) => {
        const secret = variables.secret.has(name);
        const value = variables.values.get(name);
        return { name, value: secret || value === undefined ? null : mask(value), secret };
      }),
      lastFailure,
      next,
    };
    terminal.out.write(`${JSON.stringify(json, null, 2)}\n`);
    return 0;
  }
  const lines = [`State: ${relative(store.dir)} (book: ${relative(book.dir)})`];
  lines.push(assigned.length > 0 ? 'Variables set by steps:' : 'No variables set by steps yet.');
  lines.push(...describeVariables(variables, assigned, maskFor(variables)).map((line) => `  ${line}`));
  if (lastFailure) {
    lines.push(
      `Last failure: ${lastFailure.step} on ${lastFailure.hosts.join(', ')} (${lastFailure.file}:${lastFailure.line}); logs in ${lastFailure.logs}/`,
    );
  }
  lines.push(next ? `Next: ${next.command}  (${next.title})` : 'Every chapter has passed.');
  terminal.out.write(`${lines.join('\n')}\n`);
  return 0;
}
