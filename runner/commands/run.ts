/** `lab run`: plan the chosen chapters, check the workstation, run, report. */
import type { Book, Chapter } from '../book/types.js';
import { WORKSTATION } from '../book/types.js';
import type { Arguments } from '../cli/parse-arguments.js';
import { UsageError } from '../cli/parse-arguments.js';
import { runPlan } from '../execute/run-plan.js';
import { maskFor, startVariables } from '../execute/variables.js';
import { findMissingTools, PreflightError } from '../execute/preflight.js';
import { connectHosts } from '../execute/connect-hosts.js';
import { chapterStatus, findChapter, findUnpassedDependencies, planChapter, stepsToRun, type Plan } from '../plan/plan-run.js';
import { printPlan } from '../report/print-plan.js';
import { createProgress } from '../report/progress.js';
import { buildReport } from '../report/build-report.js';
import { writeReport } from '../report/write-reports.js';
import { describeOutcome } from '../report/summarize-run.js';
import type { LabState, StateStore } from '../state/state-store.js';
import { watchInterrupts } from './watch-interrupts.js';
import type { Terminal } from './terminal.js';

export async function runCommand(args: Arguments, book: Book, store: StateStore, terminal: Terminal): Promise<number> {
  const state = store.load();
  const plan = choosePlan(args, book, state);
  const variables = startVariables(book, state);

  if (args.dryRun) {
    printPlan(plan, book, variables, terminal.out);
    return 0;
  }

  const missing = findMissingTools(plan);
  if (missing.length > 0) throw new PreflightError(missing.map((tool) => tool.message).join('\n\n'));

  const unlock = store.lock();
  const interrupts = watchInterrupts();
  const progress = createProgress({
    out: terminal.out,
    live: terminal.live,
    color: terminal.color,
    verbose: args.verbose,
    logsDir: store.logsDir,
    mask: () => maskFor(variables),
  });
  const hosts = [...new Set(stepsToRun(plan).flatMap((entry) => entry.hosts))].filter((host) => host !== WORKSTATION);
  let connections: Awaited<ReturnType<typeof connectHosts>> | undefined;
  try {
    connections = await connectHosts({ args, book, hosts, variables, store, signal: interrupts.runSignal });
    const result = await runPlan(plan, {
      book,
      store,
      state,
      variables,
      transportFor: connections.transportFor,
      observer: progress,
      signal: interrupts.runSignal,
      cleanupSignal: interrupts.cleanupSignal,
      verbose: args.verbose,
      parallel: args.parallel || Number.POSITIVE_INFINITY,
    });
    progress.stop();
    const report = buildReport(book, result, variables);
    for (const file of args.reports) writeReport(file, report);
    terminal.out.write(`${describeOutcome(result, terminal.color)}\n`);
    if (result.status === 'passed') return 0;
    if (result.status === 'interrupted') return interrupts.exitCode();
    return 1;
  } finally {
    progress.stop();
    await connections?.close();
    interrupts.dispose();
    unlock();
  }
}

function choosePlan(args: Arguments, book: Book, state: LabState): Plan {
  const cleanup = book.chapters.find((chapter) => chapter.isCleanup);
  if (args.all) {
    const chapters = book.chapters.filter((chapter) => !chapter.isCleanup);
    return {
      chapters: chapters.map((chapter) => planChapter(book, state, chapter, { restart: args.restart })),
      ...(cleanup && !args.keep ? { cleanup: planChapter(book, state, cleanup, { restart: true }) } : {}),
    };
  }
  const chosen = [...new Set(args.chapters.map((name) => findChapter(book, name)))].sort((a, b) => a.number - b.number);
  const chosenNames = new Set(chosen.map((chapter) => chapter.name));
  const dependencies = [
    ...new Set(
      chosen.flatMap((chapter) => findUnpassedDependencies(book, state, chapter)).filter((chapter) => !chosenNames.has(chapter.name)),
    ),
  ].sort((a, b) => a.number - b.number);
  if (dependencies.length > 0 && !args.force && !args.withDeps) {
    throw new UsageError(explainDependencies(chosen, dependencies, state));
  }
  const chapters = args.withDeps ? [...dependencies, ...chosen] : chosen;
  return {
    chapters: chapters.map((chapter) =>
      planChapter(book, state, chapter, { restart: chapter.isCleanup || (args.restart && chosenNames.has(chapter.name)) }),
    ),
  };
}

function explainDependencies(chosen: Chapter[], dependencies: Chapter[], state: LabState): string {
  const lines = dependencies.map((chapter) => {
    const { status, passed } = chapterStatus(chapter, state);
    const detail =
      status === 'not run'
        ? 'not run yet'
        : `${passed} of ${chapter.steps.length} steps passed${status === 'failed' ? ', one failed' : ''}`;
    return `  ${chapter.name} · ${chapter.title} (${detail})`;
  });
  const names = chosen.map((chapter) => chapter.name).join(' ');
  return [
    `${names} builds on earlier chapters that have not passed:`,
    ...lines,
    `Run them first with \`lab run ${names} --with-deps\`, or go on anyway with \`lab run ${names} --force\`.`,
  ].join('\n');
}
