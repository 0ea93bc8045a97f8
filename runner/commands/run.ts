/** `lab run`: choose the chapters, check the workstation, plan, run, report. */
import type { Book, Chapter } from '../book/types.js';
import { WORKSTATION } from '../book/types.js';
import type { Arguments } from '../cli/parse-arguments.js';
import { UsageError } from '../cli/parse-arguments.js';
import { connectHosts, type HostAccess } from '../execute/connect-hosts.js';
import { preflightGce, type GceSettings } from '../execute/inventories/gce.js';
import { findMissingTools, PreflightError } from '../execute/preflight.js';
import { runPlan } from '../execute/run-plan.js';
import { closeWatchdog, watchScratchDir } from '../execute/watchdog.js';
import { startVariables, type Variables } from '../execute/variables.js';
import { maskFor } from '../mask/mask-secrets.js';
import {
  chapterStatus,
  expandTarget,
  findChapter,
  findUnpassedDependencies,
  planChapter,
  stepsToRun,
  type Plan,
} from '../plan/plan-run.js';
import { buildReport } from '../report/build-report.js';
import { printPlan } from '../report/print-plan.js';
import { createProgress } from '../report/progress.js';
import { describeOutcome } from '../report/summarize-run.js';
import { writeReport, writeReportsAsTheRunGoes } from '../report/write-reports.js';
import type { LabState, StateStore } from '../state/state-store.js';
import type { Terminal } from './terminal.js';
import { watchInterrupts } from './watch-interrupts.js';

interface Selection {
  /** The chapters asked for, in book order. */
  chapters: Chapter[];
  /** With --all: the cleanup chapter, run last whatever happens. */
  cleanup?: Chapter;
}

export async function runCommand(args: Arguments, book: Book, store: StateStore, terminal: Terminal): Promise<number> {
  const access = chooseHostAccess(args);
  const selection = selectChapters(args, book);
  if (args.dryRun) {
    const state = store.load();
    printPlan(planSelection(args, book, state, selection), book, startVariables(book, state), terminal.out);
    return 0;
  }
  // The state is read and written only under the lock: a run that read it before another run
  // finished would run that run's steps again and save over its records.
  // Taking the lock first stops what a dead run left running, saying so.
  const unlock = store.lock((line) => terminal.out.write(`${line}\n`));
  // If the runner dies, its scratch files (scripts holding every variable, secrets included) go.
  watchScratchDir(store.scratchDir);
  try {
    return await runLocked(args, access, book, store, terminal, selection);
  } finally {
    // The watchdog goes while the lock's record still names it.
    closeWatchdog();
    unlock();
  }
}

async function runLocked(
  args: Arguments,
  access: HostAccess,
  book: Book,
  store: StateStore,
  terminal: Terminal,
  selection: Selection,
): Promise<number> {
  const state = store.load();
  const variables = startVariables(book, state);
  // Preflights come before the dependency check: fixing the workstation comes first.
  const gce = await preflight(args, book, selection, variables);
  const plan = planSelection(args, book, state, selection);
  const hosts = [...new Set(stepsToRun(plan).flatMap((entry) => entry.hosts))].filter((host) => host !== WORKSTATION);
  const connections = await connectHosts({ access, book, store, ...(gce ? { gce } : {}) }, hosts);
  const progress = createProgress({
    out: terminal.out,
    live: terminal.live,
    color: terminal.color,
    verbose: args.verbose,
    logsDir: store.logsDir,
    mask: () => maskFor(variables),
  });
  const interrupts = watchInterrupts((message) => progress.notice?.(message));
  try {
    const result = await runPlan(plan, {
      book,
      store,
      state,
      variables,
      transportFor: connections.transportFor,
      observer: writeReportsAsTheRunGoes(book, variables, args.reports, progress),
      signal: interrupts.runSignal,
      cleanupSignal: interrupts.cleanupSignal,
      verbose: args.verbose,
      parallel: args.parallel || Number.POSITIVE_INFINITY,
      proveChecks: args.proveChecks,
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
    await connections.close();
    interrupts.dispose();
  }
}

/** The flags that say how hosts are reached, as one of the combinations that work. */
function chooseHostAccess(args: Arguments): HostAccess {
  if (args.ssh === 'gcloud') {
    if (args.inventory) {
      throw new UsageError('--ssh gcloud reaches GCE instances, not the hosts of an --inventory file; drop one of them');
    }
    return { ssh: 'gcloud', iap: args.iap };
  }
  if (args.iap) throw new UsageError('--tunnel-through-iap goes with --ssh gcloud');
  return { ssh: 'openssh', ...(args.inventory ? { inventory: args.inventory } : {}) };
}

function selectChapters(args: Arguments, book: Book): Selection {
  if (args.all) {
    const cleanup = book.chapters.find((chapter) => chapter.isCleanup);
    return {
      chapters: book.chapters.filter((chapter) => !chapter.isCleanup),
      ...(cleanup && !args.keep ? { cleanup } : {}),
    };
  }
  return { chapters: [...new Set(args.chapters.map((name) => findChapter(book, name)))].sort((a, b) => a.number - b.number) };
}

/** The tools the steps need, and Google Cloud when they use it: exit 3 with every fix, otherwise. */
async function preflight(args: Arguments, book: Book, selection: Selection, variables: Variables): Promise<GceSettings | undefined> {
  const chapters = [...selection.chapters, ...(selection.cleanup ? [selection.cleanup] : [])];
  const steps = chapters.flatMap((chapter) => chapter.steps.map((step) => ({ step, hosts: expandTarget(book, step.target) })));
  const missing = findMissingTools(steps);
  const problems = missing.map((tool) => tool.message);
  const usesHosts = steps.some(({ hosts }) => hosts.some((host) => host !== WORKSTATION));
  const usesGcloud = steps.some(({ step }) => step.kind === 'gcloud');
  let gce: GceSettings | undefined;
  // Without gcloud there is no account or project to check; its absence is reported already.
  if ((usesGcloud || (usesHosts && !args.inventory)) && !missing.some((tool) => tool.tool === 'gcloud')) {
    try {
      gce = await preflightGce(book, variables);
    } catch (error) {
      if (!(error instanceof PreflightError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length > 0) throw new PreflightError(problems.join('\n\n'));
  return gce;
}

function planSelection(args: Arguments, book: Book, state: LabState, selection: Selection): Plan {
  if (args.all) {
    return {
      chapters: selection.chapters.map((chapter) => planChapter(book, state, chapter, { restart: args.restart })),
      // The cleanup chapter always runs from its first step: its steps are safe to repeat.
      ...(selection.cleanup ? { cleanup: planChapter(book, state, selection.cleanup, { restart: true }) } : {}),
    };
  }
  const chosen = selection.chapters;
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
