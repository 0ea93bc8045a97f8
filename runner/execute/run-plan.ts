/**
 * Runs a plan: chapters in order, steps in order, each step on all its hosts at once, stopping
 * at the first failure that is not `optional`. State is saved after every step, so a run that is
 * stopped at any point resumes where it was.
 */
import path from 'node:path';
import type { Book, Step } from '../book/types.js';
import { WORKSTATION } from '../book/types.js';
import type { PlannedChapter, Plan } from '../plan/plan-run.js';
import type { LabState, StateStore, StepRecord } from '../state/state-store.js';
import { throttleSaves, type ThrottledSave } from '../state/throttle-saves.js';
import { LogWriter } from '../state/log-writer.js';
import { buildStepScript, MissingVariableError } from './build-script.js';
import {
  combineStatuses,
  findChecksProvingNothing,
  type ChapterResult,
  type EarlyCheck,
  type HostResult,
  type RunObserver,
  type RunResult,
  type StepResult,
} from './results.js';
import { runChecksEarly } from './run-checks-early.js';
import type { Transport } from './transport.js';
import { runOnHosts } from './run-on-hosts.js';
import { collectDiagnostics } from './collect-diagnostics.js';
import { applyExportedEnv, assignVariable, saveVariables, type Variables } from './variables.js';
import { maskFor } from '../mask/mask-secrets.js';

export interface RunContext {
  book: Book;
  store: StateStore;
  state: LabState;
  variables: Variables;
  /** The transport that reaches a host (`workstation` included). */
  transportFor(host: string): Transport;
  observer: RunObserver;
  /** Aborted on the first Ctrl-C: the running step is stopped and the run ends. */
  signal: AbortSignal;
  /** Aborted on a second Ctrl-C: even the cleanup chapter stops. */
  cleanupSignal: AbortSignal;
  verbose: boolean;
  /** Hosts a step runs on at once. */
  parallel: number;
  /** Run each chapter's checks once before its steps; one that passes then proves nothing (--prove-checks). */
  proveChecks: boolean;
}

/** Steps that end within this long of the last save share the next one. */
const SAVE_INTERVAL_MS = 200;

/** The context inside a run: the caller's, plus the throttled state writer. */
interface Running extends RunContext {
  saves: ThrottledSave;
  logs: LogWriter;
  /** The runner's environment as the run starts, which the workstation's shell inherits (read once: each read of process.env is slow). */
  processEnv: Record<string, string | undefined>;
}

export async function runPlan(plan: Plan, options: RunContext): Promise<RunResult> {
  const context: Running = {
    ...options,
    saves: throttleSaves(() => {
      Object.assign(options.state, saveVariables(options.variables));
      options.store.save(options.state);
    }, SAVE_INTERVAL_MS),
    logs: new LogWriter(),
    processEnv: { ...process.env },
  };
  try {
    return await runChapters(plan, context);
  } finally {
    context.saves.flush();
  }
}

async function runChapters(plan: Plan, context: Running): Promise<RunResult> {
  const startedAt = new Date();
  const started = performance.now();
  const chapters: ChapterResult[] = [];
  let stopped = false;
  for (const planned of plan.chapters) {
    if (stopped) {
      chapters.push(notRun(planned));
      continue;
    }
    const result = await runChapter(planned, context, context.signal, context.proveChecks);
    chapters.push(result);
    stopped = result.status === 'failed' || result.status === 'interrupted';
  }
  const failed = chapters.some((c) => c.status === 'failed');
  // Every chapter's work is done: the cleanup chapter has something to delete.
  const built = chapters.every((c) => c.status === 'passed' || c.status === 'skipped');
  const provedNothing = findChecksProvingNothing(chapters).length > 0;
  let status: RunResult['status'] = chapters.some((c) => c.status === 'interrupted')
    ? 'interrupted'
    : failed || provedNothing
      ? 'failed'
      : 'passed';

  // Before the cleanup chapter tears it down, record what the failure looks like.
  const diagnostics = failed && context.book.diagnostics.length > 0 ? await runDiagnostics(context) : [];

  if (plan.cleanup && !context.cleanupSignal.aborted) {
    if (status === 'interrupted' || failed) {
      context.observer.notice?.(
        status === 'interrupted'
          ? 'Interrupted: running the cleanup chapter so nothing is left behind (press Ctrl-C again to skip it).'
          : 'The run failed: running the cleanup chapter so nothing is left behind.',
      );
    }
    const warn = () => context.observer.notice?.('The cleanup chapter goes on so nothing is left behind; press Ctrl-C again to stop it.');
    context.signal.addEventListener('abort', warn, { once: true });
    // After a failure there may be nothing to delete, and the cleanup's checks would rightly pass before it.
    const cleanup = await runChapter(plan.cleanup, context, context.cleanupSignal, context.proveChecks && built);
    context.signal.removeEventListener('abort', warn);
    chapters.push(cleanup);
    if (cleanup.status === 'interrupted') status = 'interrupted';
    else if (cleanup.status === 'failed' && status === 'passed') status = 'failed';
  }
  return {
    status,
    chapters,
    diagnostics,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs: Math.round(performance.now() - started),
  };
}

async function runDiagnostics(context: Running) {
  context.observer.notice?.('A step failed: collecting diagnostics before anything is cleaned up.');
  return collectDiagnostics(context, context.cleanupSignal);
}

async function runChapter(planned: PlannedChapter, context: Running, signal: AbortSignal, prove: boolean): Promise<ChapterResult> {
  const started = performance.now();
  const toRun = planned.steps.filter((entry) => !entry.skip).length;
  context.observer.chapterStart?.(planned.chapter, toRun);
  const earlyChecks = prove ? await proveChapterChecks(planned, context, signal) : undefined;
  const interruptedEarly = earlyChecks?.some((check) => check.status === 'interrupted') ?? false;
  const steps: StepResult[] = [];
  let stopped = interruptedEarly;
  for (const entry of planned.steps) {
    if (entry.skip || stopped) {
      steps.push(unrunStep(entry.step, entry.hosts, entry.skip ? 'skipped' : 'not-run'));
      continue;
    }
    const result = await runStep(entry.step, entry.hosts, context, signal);
    steps.push(result);
    context.observer.stepEnd?.(result);
    if (result.status === 'interrupted' || (result.status === 'failed' && !entry.step.optional)) stopped = true;
  }
  const ran = steps.filter((step) => step.status !== 'skipped');
  const status: ChapterResult['status'] =
    interruptedEarly || steps.some((s) => s.status === 'interrupted')
      ? 'interrupted'
      : steps.some((s) => s.status === 'failed' && !s.step.optional)
        ? 'failed'
        : ran.length === 0
          ? 'skipped'
          : 'passed';
  if (planned.chapter.isCleanup && status === 'passed') forgetProgress(context);
  context.saves.flush();
  const result: ChapterResult = {
    chapter: planned.chapter,
    status,
    steps,
    durationMs: Math.round(performance.now() - started),
    ...(earlyChecks ? { earlyChecks } : {}),
  };
  context.observer.chapterEnd?.(result);
  return result;
}

/** Undefined when the chapter resumes mid-way: some of its work is done, so its checks may rightly pass. */
async function proveChapterChecks(planned: PlannedChapter, context: Running, signal: AbortSignal): Promise<EarlyCheck[] | undefined> {
  if (planned.steps.some((entry) => entry.skip)) {
    if (planned.steps.some((entry) => !entry.skip)) {
      context.observer.notice?.(
        `${planned.chapter.name} resumes after steps that passed earlier, so its checks are not run before it (--restart runs the whole chapter).`,
      );
    }
    return undefined;
  }
  const checks = await runChecksEarly(planned, context, { signal, mask: maskFor(context.variables) });
  context.observer.checksRunEarly?.(planned.chapter, checks);
  return checks;
}

async function runStep(step: Step, hosts: string[], context: Running, signal: AbortSignal): Promise<StepResult> {
  const startedAt = new Date().toISOString();
  const started = performance.now();
  context.observer.stepStart?.(step, hosts);
  const { variables } = context;
  const mask = maskFor(variables);

  let script: string;
  try {
    script = buildStepScript(step, variables.values);
  } catch (error) {
    if (!(error instanceof MissingVariableError)) throw error;
    const failure = {
      reason: 'error' as const,
      message: `this file block ${error.message}; set them in an earlier step or in book.yaml`,
      tail: '',
    };
    return finishStep(
      step,
      startedAt,
      started,
      hosts.map((host) => ({ host, status: 'failed', exitCode: -1, durationMs: 0, attempts: 0, stdout: '', failure })),
      context,
    );
  }

  const outcomes = await runOnHosts(step, hosts, script, context, {
    signal,
    mask,
    logFile: (host) => path.join(context.store.logsDir, step.chapter, `${step.id}.${host}.log`),
    observer: context.observer,
    verbose: context.verbose,
  });

  for (const { outcome, env } of outcomes) {
    if (outcome.status !== 'passed' || !outcome.raw) continue;
    if (outcome.host === WORKSTATION && outcome.raw.exportedEnv) {
      applyExportedEnv(variables, { ...context.processEnv, ...env }, outcome.raw.exportedEnv, step.secret);
    }
    if (step.kind !== 'file' && step.capture) {
      assignVariable(variables, step.capture, outcome.raw.stdout.trim(), step.secret);
    }
  }
  return finishStep(
    step,
    startedAt,
    started,
    outcomes.map(({ outcome: { raw: _raw, ...result } }) => result),
    context,
  );
}

function finishStep(step: Step, startedAt: string, started: number, hosts: HostResult[], context: Running): StepResult {
  const status = combineStatuses(hosts.map((host) => host.status));
  const durationMs = Math.round(performance.now() - started);
  if (status === 'passed' || status === 'failed') {
    const record: StepRecord = {
      status,
      hash: step.hash,
      finishedAt: new Date().toISOString(),
      durationMs,
      attempts: Math.max(0, ...hosts.map((host) => host.attempts)),
      hosts: Object.fromEntries(
        hosts.map((host) => [
          host.host,
          {
            status: host.status === 'passed' ? 'passed' : 'failed',
            exitCode: host.exitCode,
            durationMs: host.durationMs,
            attempts: host.attempts,
          },
        ]),
      ),
    };
    context.state.steps[step.id] = record;
    // Durable before the next step starts: a killed run must not run this step again.
    context.store.record(step.id, record, saveVariables(context.variables));
  }
  context.saves.request();
  // A failure is saved at once: it is what the reader comes back to.
  if (status !== 'passed') context.saves.flush();
  return { step, status, hosts, startedAt, durationMs };
}

/** After the cleanup chapter the cluster is gone, so no chapter counts as passed any more. */
function forgetProgress(context: Running): void {
  context.state.steps = {};
  context.saves.request();
  context.saves.flush();
}

function notRun(planned: PlannedChapter): ChapterResult {
  return {
    chapter: planned.chapter,
    status: 'not-run',
    steps: planned.steps.map((entry) => unrunStep(entry.step, entry.hosts, entry.skip ? 'skipped' : 'not-run')),
    durationMs: 0,
  };
}

function unrunStep(step: Step, hosts: string[], status: 'skipped' | 'not-run'): StepResult {
  return {
    step,
    status,
    hosts: hosts.map((host) => ({ host, status, exitCode: -1, durationMs: 0, attempts: 0, stdout: '' })),
    startedAt: '',
    durationMs: 0,
  };
}
