/** The `lab` command: parses the command line, loads the book, dispatches; LabErrors become exit codes. */
import { loadBookCached } from './book/load-book-cached.js';
import { formatHelp, parseArguments, STATE_COMMANDS, type Arguments } from './cli/parse-arguments.js';
import { refuseFlagsNpmTook } from './cli/refuse-npm-flags.js';
import { refuseFilePath, refuseFolderPath, refuseForeignStateFolder, refuseOutOverBook } from './cli/refuse-paths.js';
import { respellCommands } from './cli/spell-command.js';
import { listCommand } from './commands/list.js';
import { resetCommand } from './commands/reset.js';
import { runCommand } from './commands/run.js';
import { statusCommand } from './commands/status.js';
import { detectTerminal, type Terminal } from './commands/terminal.js';
import { EXIT, LabError } from './errors.js';
import { openStateStore } from './state/state-store.js';

export { EXIT } from './errors.js';

/** Baked in by bin/build-cli.mjs from package.json; absent when the sources run unbundled. */
declare const LAB_VERSION: string | undefined;

export async function main(
  argv: readonly string[],
  terminal: Terminal = detectTerminal(),
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  try {
    refuseFlagsNpmTook(argv, env);
    const args = parseArguments(argv);
    if (args.command === 'help') {
      terminal.out.write(formatHelp(args.helpFor));
      return EXIT.passed;
    }
    if (args.command === 'version') {
      terminal.out.write(`lab ${typeof LAB_VERSION === 'string' ? LAB_VERSION : '(unbundled sources)'}\n`);
      return EXIT.passed;
    }
    refuseUnusablePaths(args);
    // Loaded on demand: the site's pipeline (Shiki and its grammars) and the linters would
    // otherwise cost every `lab run` their start-up time.
    if (args.command === 'check') return await (await import('./commands/check.js')).checkCommand(args.book, terminal, args);
    if (args.command === 'build') return await (await import('./commands/build.js')).buildCommand(args, terminal);
    if (args.command === 'preview') return await (await import('./commands/preview.js')).previewCommand(args, terminal);
    if (args.command === 'emulator') return await (await import('./commands/emulator.js')).emulatorCommand(args, terminal);
    if (args.command === 'rehearse') return await (await import('./commands/rehearse.js')).rehearseCommand(args, terminal);
    const book = await loadBookCached(args.book);
    const store = openStateStore(args.state, book.dir);
    switch (args.command) {
      case 'list':
        return listCommand(book, store, terminal, args);
      case 'status':
        return statusCommand(book, store, terminal, args);
      case 'reset':
        return resetCommand(args.chapters, book, store, terminal);
      case 'run':
        return await runCommand(args, book, store, terminal);
      case 'janitor':
        return await (await import('./commands/janitor.js')).janitorCommand(args, book, store, terminal);
    }
  } catch (error) {
    // Anything else is a bug in lab, and its stack trace is what a bug report needs.
    if (!(error instanceof LabError)) throw error;
    terminal.err.write(`${respellCommands(error.describe(), env)}\n`);
    return error.exitCode;
  }
}

/** A place lab writes to that cannot be written is refused before anything runs. */
function refuseUnusablePaths(args: Arguments): void {
  if (STATE_COMMANDS.includes(args.command)) {
    // list, status and janitor only read it; run and reset write progress, logs and the lock.
    refuseFolderPath('--state', args.state, { writable: (args.command === 'run' && !args.dryRun) || args.command === 'reset' });
    refuseForeignStateFolder(args.state);
  }
  if (args.command === 'run') for (const report of args.reports) refuseFilePath('--report', report);
  if (args.command === 'build' || args.command === 'preview') {
    refuseFolderPath('--out', args.out, { writable: true });
    refuseOutOverBook(args.out, args.book);
  }
}
