/**
 * Run reports (`lab run --report run.json`, the nightly's) read for the site: what the newest run
 * did with each step's present text, when each chapter last passed, with which versions, and what
 * each check printed. Reports are masked already; everything from them is escaped like any other
 * text when it reaches a page.
 */
import { readFileSync } from 'node:fs';
import type { Book, Step } from '../book/types.js';
import type { StepStatus } from '../execute/results.js';
import { readCommit, REPORT_FORMAT, type RunReport } from '../report/build-report.js';
import { LabError } from '../errors.js';

export interface StepRunInfo {
  host: string;
  status: string;
  /** The hash of the text that ran; absent in reports from before hashes were kept. */
  hash?: string;
  output?: string;
  /** A check's status when --prove-checks ran it before its chapter: `failed` as it should. */
  early?: StepStatus;
}

export interface ChapterRunInfo {
  /** The chapter's status in the newest run. */
  status: string;
  /** Steps of the chapter whose text is not what the newest run ran (changed, or added since a run that reached it). */
  changed: number;
  /** When the chapter last passed end to end with its present text, in the reports given. */
  lastPassed?: string;
}

/** The newest run, for the whole site. */
export interface RunSummary {
  status: string;
  finishedAt: string;
  versions: Record<string, string>;
  commit?: string;
  runUrl?: string;
  /** The commit the site is built from, when it is not the one the run ran. */
  builtFrom?: string;
}

export interface SiteRunInfo {
  run: RunSummary;
  /** How many reports the history was read from. */
  reports: number;
  chapters: Map<string, ChapterRunInfo>;
  steps: Map<string, StepRunInfo[]>;
}

/** A report that cannot be read; the CLI says so and exits 2. */
export class ReportFileError extends LabError {
  override name = 'ReportFileError';
}

export function readRunReport(file: string): RunReport {
  let report: RunReport;
  try {
    report = JSON.parse(readFileSync(file, 'utf8')) as RunReport;
  } catch (error) {
    throw new ReportFileError(
      `--report ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}; pass the .json report a \`lab run --report FILE.json\` wrote`,
    );
  }
  if (report?.format !== REPORT_FORMAT) {
    throw new ReportFileError(
      `--report ${file} is not a lab run report (its format is ${String(report?.format)}, not ${REPORT_FORMAT}); pass the .json report a \`lab run --report FILE.json\` wrote`,
    );
  }
  return report;
}

/**
 * Several reports (one run each) into what the site shows: the newest run's results, keyed to the
 * text of each step, and for each chapter the last run in which it passed with its present text.
 * A report holds one run, so that date is only as old as the oldest report given.
 */
export function mergeReports(book: Book, reports: readonly RunReport[]): SiteRunInfo {
  const newestFirst = [...reports].sort((a, b) => b.finishedAt.localeCompare(a.finishedAt));
  const newest = newestFirst[0]!;
  const builtFrom = readCommit(book.dir);
  const steps = readSteps(newest);
  const chapters = new Map<string, ChapterRunInfo>();
  for (const chapter of book.chapters) {
    const status = newest.chapters.find((entry) => entry.slug === chapter.slug)?.status;
    if (status === undefined) continue;
    // A step the run has no result for was added since, unless the run never reached the chapter.
    const reached = status !== 'not-run' && status !== 'skipped';
    const changed = chapter.steps.filter((step) => (steps.has(step.id) ? !ranThisText(steps.get(step.id), step.hash) : reached)).length;
    const lastPassed = newestFirst.find((report) => passedWithThisText(report, chapter.slug, chapter.steps))?.finishedAt;
    chapters.set(chapter.slug, { status, changed, ...(lastPassed ? { lastPassed } : {}) });
  }
  return {
    run: {
      status: newest.status,
      finishedAt: newest.finishedAt,
      versions: newest.versions,
      // A report is a file anyone could have edited: only a commit id and a web address reach a link.
      ...(newest.commit && /^[0-9a-f]{7,64}$/.test(newest.commit) ? { commit: newest.commit } : {}),
      ...(newest.runUrl && /^https?:\/\//.test(newest.runUrl) ? { runUrl: newest.runUrl } : {}),
      ...(builtFrom && builtFrom !== newest.commit ? { builtFrom } : {}),
    },
    reports: reports.length,
    chapters,
    steps,
  };
}

function readSteps(report: RunReport): Map<string, StepRunInfo[]> {
  const steps = new Map<string, StepRunInfo[]>();
  for (const step of report.steps) {
    const list = steps.get(step.id) ?? [];
    list.push({
      host: step.host,
      status: step.status,
      ...(step.hash !== undefined ? { hash: step.hash } : {}),
      ...(step.output !== undefined ? { output: step.output } : {}),
    });
    steps.set(step.id, list);
  }
  for (const check of report.earlyChecks ?? []) {
    const seen = steps.get(check.id)?.find((run) => run.host === check.host);
    if (seen) seen.early = check.status;
  }
  return steps;
}

function ranThisText(runs: StepRunInfo[] | undefined, hash: string): boolean {
  return runs !== undefined && runs.length > 0 && runs.every((run) => run.hash === hash);
}

function passedWithThisText(report: RunReport, slug: string, chapterSteps: readonly Step[]): boolean {
  if (report.chapters.find((entry) => entry.slug === slug)?.status !== 'passed') return false;
  const steps = readSteps(report);
  return chapterSteps.every((step) => ranThisText(steps.get(step.id), step.hash));
}
