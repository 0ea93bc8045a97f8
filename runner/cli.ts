/** The `lab` command: parses the command line, loads the book, dispatches, maps errors to exit codes. */
import { formatProblem, BookError } from './book/problems.js';
import { loadBookCached } from './book/load-book-cached.js';
import { HELP, parseArguments, UsageError } from './cli/parse-arguments.js';
import { listCommand } from './commands/list.js';
import { resetCommand } from './commands/reset.js';
import { runCommand } from './commands/run.js';
import { statusCommand } from './commands/status.js';
import { detectTerminal, type Terminal } from './commands/terminal.js';
import { PreflightError } from './execute/preflight.js';
import { UnknownChapterError } from './plan/plan-run.js';
import { openStateStore, StateError } from './state/state-store.js';
import { ReportFileError } from './site/merge-report.js';

export const EXIT = { passed: 0, failed: 1, badInput: 2, preflight: 3, interrupted: 130 } as const;

export async function main(argv: readonly string[], terminal: Terminal = detectTerminal()): Promise<number> {
  try {
    const args = parseArguments(argv);
    if (args.command === 'help') {
      terminal.out.write(HELP);
      return EXIT.passed;
    }
    // Loaded on demand: the site's pipeline (Shiki and its grammars) and the linters would
    // otherwise cost every `lab run` their start-up time.
    if (args.command === 'check') return await (await import('./commands/check.js')).checkCommand(args.book, terminal);
    if (args.command === 'build') return await (await import('./commands/build.js')).buildCommand(args, terminal);
    if (args.command === 'preview') return await (await import('./commands/preview.js')).previewCommand(args, terminal);
    if (args.command === 'emulator') return await (await import('./commands/emulator.js')).emulatorCommand(args, terminal);
    if (args.command === 'rehearse') return await (await import('./commands/rehearse.js')).rehearseCommand(args, terminal);
    const book = await loadBookCached(args.book);
    const store = openStateStore(args.state, book.dir);
    switch (args.command) {
      case 'list':
        return listCommand(book, store, terminal);
      case 'status':
        return statusCommand(book, store, terminal);
      case 'reset':
        return resetCommand(args.chapters, book, store, terminal);
      case 'run':
        return await runCommand(args, book, store, terminal);
      case 'janitor':
        return await (await import('./commands/janitor.js')).janitorCommand(args, book, store, terminal);
    }
  } catch (error) {
    return reportError(error, terminal);
  }
}

function reportError(error: unknown, terminal: Terminal): number {
  if (error instanceof BookError) {
    terminal.err.write(`${error.problems.map((problem) => formatProblem(problem)).join('\n')}\n`);
    terminal.err.write(`lab: ${error.problems.length} problem${error.problems.length === 1 ? '' : 's'} in the book; nothing was run.\n`);
    return EXIT.badInput;
  }
  if (
    error instanceof UsageError ||
    error instanceof UnknownChapterError ||
    error instanceof StateError ||
    error instanceof ReportFileError
  ) {
    terminal.err.write(`lab: ${error.message}\n`);
    return EXIT.badInput;
  }
  if (error instanceof PreflightError) {
    terminal.err.write(`lab: preflight failed; nothing was run.\n${error.message}\n`);
    return EXIT.preflight;
  }
  throw error;
}
