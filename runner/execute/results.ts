/** What a run produced: per host, per step, per chapter. Reports and the site read these. */
import type { Chapter, CommandStep, Step } from '../book/types.js';

export type StepStatus = 'passed' | 'failed' | 'skipped' | 'not-run' | 'interrupted';

export interface Failure {
  reason: 'exit' | 'output' | 'timeout' | 'connection' | 'interrupted' | 'error';
  /** One line: what went wrong. */
  message: string;
  /** Expected-versus-actual, for an output mismatch. */
  diff?: string;
  /** The last lines of output, masked. */
  tail: string;
}

export interface HostResult {
  host: string;
  status: StepStatus;
  exitCode: number;
  durationMs: number;
  attempts: number;
  /** Masked stdout of the last attempt (what a check saw). */
  stdout: string;
  failure?: Failure;
  /** The full log of every attempt, masked. */
  log?: string;
}

export interface StepResult {
  step: Step;
  status: StepStatus;
  hosts: HostResult[];
  startedAt: string;
  durationMs: number;
}

export interface ChapterResult {
  chapter: Chapter;
  status: 'passed' | 'failed' | 'skipped' | 'not-run' | 'interrupted';
  steps: StepResult[];
  durationMs: number;
  /** With --prove-checks: the chapter's checks, each run once before its steps. */
  earlyChecks?: EarlyCheck[];
}

/**
 * A check run once before its chapter's steps (`lab run --prove-checks`). It should fail then:
 * `passed` means the check passes without the chapter's work, so it proves nothing about it.
 */
export interface EarlyCheck {
  step: CommandStep;
  status: 'passed' | 'failed' | 'interrupted';
  hosts: HostResult[];
}

/** What one of the book's diagnostics printed on one host after a failure (masked). */
export interface DiagnosticResult {
  title: string;
  host: string;
  exitCode: number;
  output: string;
}

export interface RunResult {
  status: 'passed' | 'failed' | 'interrupted';
  chapters: ChapterResult[];
  diagnostics: DiagnosticResult[];
  startedAt: string;
  finishedAt: string;
  durationMs: number;
}

/** Watches a run; the progress display and --verbose streaming are observers. */
export interface RunObserver {
  chapterStart?(chapter: Chapter, stepsToRun: number): void;
  stepStart?(step: Step, hosts: string[]): void;
  /** Output as it arrives, already masked. */
  stepOutput?(step: Step, host: string, stream: 'stdout' | 'stderr', text: string): void;
  /** A check attempt that did not pass yet, or a step about to be retried. */
  attemptFailed?(step: Step, host: string, attempt: number, failure: Failure, willRetry: boolean): void;
  stepEnd?(result: StepResult): void;
  chapterEnd?(result: ChapterResult): void;
  /** A chapter's checks, run once before its steps by --prove-checks. */
  checksRunEarly?(chapter: Chapter, checks: EarlyCheck[]): void;
  /** The results of one diagnostic, on each of its hosts. */
  diagnostic?(results: DiagnosticResult[]): void;
  /** Something the run wants the reader to know, such as a cleanup starting after a failure. */
  notice?(message: string): void;
}

/** The worst status among host results: one failing host fails the step. */
export function combineStatuses(statuses: StepStatus[]): StepStatus {
  for (const status of ['interrupted', 'failed', 'not-run', 'passed', 'skipped'] as const) {
    if (statuses.includes(status)) return status;
  }
  return 'skipped';
}

/** The checks that passed before their chapter ran (--prove-checks): each proves nothing. */
export function findChecksProvingNothing(chapters: readonly ChapterResult[]): EarlyCheck[] {
  return chapters.flatMap((chapter) => chapter.earlyChecks ?? []).filter((check) => check.status === 'passed');
}
