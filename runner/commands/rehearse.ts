/**
 * `lab rehearse [CHAPTER...] [--book DIR] [--state DIR] [--keep]`: the book's chapters for real
 * against a Compute Engine emulator, with the real gcloud, until the first step that needs what
 * cannot exist offline; then (unless --keep) the cleanup chapter, and a proof that the project
 * holds nothing of the lab. The run is `lab run --all` itself (runCommand) on the book cut at
 * that step: the same engine, checks, logs and reports.
 */
import path from 'node:path';
import { loadBookCached } from '../book/load-book-cached.js';
import type { Book, Chapter, Step } from '../book/types.js';
import type { Arguments } from '../cli/parse-arguments.js';
import { findOfflineLimit } from '../emulator/find-offline-limit.js';
import { bookNames, listLeftovers, type Leftover } from '../emulator/list-leftovers.js';
import { runEmulator, type RunningEmulator } from '../emulator/run-emulator.js';
import { EMULATOR_NAME } from '../emulator/server.js';
import { findChapter } from '../plan/plan-run.js';
import { startVariables } from '../execute/variables.js';
import { formatDuration } from '../parse/block-grammar.js';
import { openStateStore, type StateStore } from '../state/state-store.js';
import { UsageError } from '../cli/parse-arguments.js';
import { runCommand } from './run.js';
import type { Terminal } from './terminal.js';

export interface Stop {
  chapter: Chapter;
  step: Step;
  why: string;
}

/** The book cut in front of the first step that cannot run offline; the cleanup without such steps. */
export function cutBook(book: Book, chosen: Chapter[]): { book: Book; stop?: Stop; skippedInCleanup: { step: Step; why: string }[] } {
  const chapters: Chapter[] = [];
  let stop: Stop | undefined;
  for (const chapter of chosen) {
    const index = chapter.steps.findIndex((step) => findOfflineLimit(step) !== undefined);
    if (index === -1) {
      chapters.push(chapter);
      continue;
    }
    stop = { chapter, step: chapter.steps[index]!, why: findOfflineLimit(chapter.steps[index]!)! };
    if (index > 0) chapters.push({ ...chapter, steps: chapter.steps.slice(0, index) });
    break;
  }
  const cleanup = book.chapters.find((chapter) => chapter.isCleanup);
  const skippedInCleanup = (cleanup?.steps ?? []).flatMap((step) => {
    const why = findOfflineLimit(step);
    return why ? [{ step, why }] : [];
  });
  const cutCleanup = cleanup && { ...cleanup, steps: cleanup.steps.filter((step) => !findOfflineLimit(step)) };
  // Diagnostics that need a cluster would ask whatever cluster the user's kubeconfig names.
  const diagnostics = book.diagnostics.filter((diagnostic) => !findOfflineLimit({ kind: 'sh', script: diagnostic.script }));
  return {
    book: { ...book, chapters: [...chapters, ...(cutCleanup ? [cutCleanup] : [])], diagnostics },
    ...(stop ? { stop } : {}),
    skippedInCleanup,
  };
}

/** The user the instances are logged in to when lab runs as root (GCE's guest agent makes no root account). */
const REHEARSAL_USER = 'rehearsal';

export async function rehearseCommand(args: Arguments, terminal: Terminal): Promise<number> {
  const started = Date.now();
  const book = await loadBookCached(args.book);
  const chosen = args.chapters.length
    ? [...new Set(args.chapters.map((name) => findChapter(book, name)))]
        .filter((chapter) => !chapter.isCleanup)
        .sort((a, b) => a.number - b.number)
    : book.chapters.filter((chapter) => !chapter.isCleanup);
  const cut = cutBook(book, chosen);
  const stateDir = args.state === '.lab' ? path.join('.lab', 'rehearsal') : args.state;

  const external = await findExternalEmulator(process.env.CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE);
  let running: RunningEmulator | undefined;
  const saved = { ...process.env };
  if (!external) {
    running = await runEmulator({ log: (line) => terminal.err.write(`${line}\n`) });
    Object.assign(process.env, running.env);
    if (running.whyNoHosts) terminal.err.write(`lab rehearse: warning: ${running.whyNoHosts}; steps on hosts will fail.\n`);
  }
  if (process.getuid?.() === 0) Object.assign(process.env, { LOGNAME: REHEARSAL_USER, USER: REHEARSAL_USER });
  terminal.err.write(
    `lab rehearse: against the emulator at ${external ?? running!.emulator.url}${external ? ' (exported in this shell)' : ''}; state in ${stateDir}.\n`,
  );
  try {
    const inner = openStateStore(stateDir, cut.book.dir);
    inner.reset();
    // Every step record the run writes, kept: the cleanup chapter forgets the others.
    const records: Record<string, { status: string }> = {};
    const vars: Record<string, string> = {};
    const store: StateStore = {
      ...inner,
      save(state) {
        Object.assign(records, state.steps);
        Object.assign(vars, state.vars);
        inner.save(state);
      },
    };
    const runArgs: Arguments = { ...args, command: 'run', chapters: [], all: true, restart: true, state: stateDir };
    const code = await runCommand(runArgs, cut.book, store, terminal);
    const values = startVariables(book, { vars, secret: [] }).values;
    const prefix = values.get(book.gce.prefix) ?? '';
    const project = values.get(book.gce.project) ?? '';
    const leftovers =
      args.keep || !project
        ? undefined
        : await listLeftovers(process.env.CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE!, project, prefix, bookNames(book, book.gce.prefix));
    terminal.out.write(summarize({ cut, state: records, leftovers, keep: args.keep, prefix, elapsedMs: Date.now() - started }));
    if (code !== 0) return code;
    return leftovers && leftovers.length > 0 ? 1 : 0;
  } finally {
    for (const name of ['CLOUDSDK_CONFIG', 'CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE', 'LOGNAME', 'USER']) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    await running?.close();
  }
}

/** The emulator the shell's exported override points at, if it is a lab emulator. */
async function findExternalEmulator(override: string | undefined): Promise<string | undefined> {
  if (!override) return undefined;
  const root = override.replace(/\/compute\/v1\/?$/, '');
  let name: unknown;
  try {
    const response = await fetch(`${root}/`, { signal: AbortSignal.timeout(3000) });
    name = ((await response.json()) as { name?: unknown }).name;
  } catch {
    name = undefined;
  }
  if (name !== EMULATOR_NAME) {
    throw new UsageError(
      `CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE points at ${override}, which is not a lab emulator; unset it to let lab rehearse start its own, or start one with \`lab emulator\``,
    );
  }
  return root;
}

interface Summary {
  cut: ReturnType<typeof cutBook>;
  state: Record<string, { status: string }>;
  leftovers: Leftover[] | undefined;
  keep: boolean;
  prefix: string;
  elapsedMs: number;
}

function summarize({ cut, state, leftovers, keep, prefix, elapsedMs }: Summary): string {
  const rows = cut.book.chapters.map((chapter) => {
    const passed = chapter.steps.filter((step) => state[step.id]?.status === 'passed').length;
    const failed = chapter.steps.filter((step) => state[step.id]?.status === 'failed').length;
    return `  ${chapter.name.padEnd(11)} ${chapter.title.slice(0, 44).padEnd(44)} ${String(passed).padStart(3)} passed${failed ? `, ${failed} failed` : ''} of ${chapter.steps.length}`;
  });
  const stop = cut.stop;
  const lines = [
    '',
    'Rehearsal against the Compute Engine emulator:',
    ...rows,
    stop
      ? `  stopped at  ${stop.chapter.name} step ${stop.step.index} (${path.basename(stop.step.position.file)}:${stop.step.position.line}, ${stop.step.title}): ${stop.why}`
      : '  stopped at  nothing: every chosen chapter can run offline',
    ...cut.skippedInCleanup.map(
      ({ step, why }) => `  skipped     cleanup step ${step.index} (${path.basename(step.position.file)}:${step.position.line}): ${why}`,
    ),
    keep
      ? '  left over   not checked (--keep)'
      : leftovers === undefined
        ? '  left over   not checked (no project was set)'
        : leftovers.length === 0
          ? `  left over   nothing of ${prefix || 'the lab'}: every collection listed is empty of it`
          : `  left over   ${leftovers.length}: ${leftovers.map((leftover) => `${leftover.collection} ${leftover.name}`).join(', ')}`,
    `  time        ${formatDuration(elapsedMs)}`,
    '',
  ];
  return lines.join('\n');
}
