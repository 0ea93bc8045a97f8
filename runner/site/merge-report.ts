/**
 * A run report (`lab run --report run.json`, the nightly's) read for the site: when each chapter
 * last passed end to end, with which versions, and what each check printed. The report is masked
 * already; everything from it is escaped like any other text when it reaches a page.
 */
import { readFileSync } from 'node:fs';
import type { StepStatus } from '../execute/results.js';
import { REPORT_FORMAT, type RunReport } from '../report/build-report.js';
import { LabError } from '../errors.js';

export interface StepRunInfo {
  host: string;
  status: string;
  output?: string;
  /** A check's status when --prove-checks ran it before its chapter: `failed` as it should. */
  early?: StepStatus;
}

export interface ChapterRunInfo {
  status: string;
  finishedAt: string;
  versions: Record<string, string>;
}

export interface SiteRunInfo {
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

export function mergeReport(report: RunReport): SiteRunInfo {
  const chapters = new Map<string, ChapterRunInfo>();
  for (const chapter of report.chapters) {
    chapters.set(chapter.slug, { status: chapter.status, finishedAt: report.finishedAt, versions: report.versions });
  }
  const steps = new Map<string, StepRunInfo[]>();
  for (const step of report.steps) {
    const list = steps.get(step.id) ?? [];
    list.push({ host: step.host, status: step.status, ...(step.output !== undefined ? { output: step.output } : {}) });
    steps.set(step.id, list);
  }
  for (const check of report.earlyChecks ?? []) {
    const seen = steps.get(check.id)?.find((run) => run.host === check.host);
    if (seen) seen.early = check.status;
  }
  return { chapters, steps };
}
