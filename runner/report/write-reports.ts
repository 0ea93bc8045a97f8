/** `--report FILE.json` and `--report FILE.xml` (JUnit: a testsuite per chapter, a testcase per step and host). */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Book } from '../book/types.js';
import { combineStatuses, type ChapterResult, type DiagnosticResult, type RunObserver, type RunResult } from '../execute/results.js';
import type { Variables } from '../execute/variables.js';
import { buildReport, type RunReport, type ReportStep } from './build-report.js';

export type ReportFormat = 'json' | 'junit';

export function reportFormatOf(file: string): ReportFormat | undefined {
  const extension = path.extname(file).toLowerCase();
  return extension === '.json' ? 'json' : extension === '.xml' ? 'junit' : undefined;
}

export function writeReport(file: string, report: RunReport): void {
  const text = reportFormatOf(file) === 'junit' ? renderJunit(report) : `${JSON.stringify(report, null, 2)}\n`;
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}

/**
 * Rewrites the reports after every step, chapter and diagnostic, so a run killed at any moment
 * (SIGKILL, a lost runner) still leaves them, saying `interrupted`, with every step done so far;
 * the run's final writeReport replaces them. Wraps the run's own observer.
 */
export function writeReportsAsTheRunGoes(book: Book, variables: Variables, files: readonly string[], inner: RunObserver): RunObserver {
  if (files.length === 0) return inner;
  const started = Date.now();
  const chapters: ChapterResult[] = [];
  const diagnostics: DiagnosticResult[] = [];
  const current = () => chapters.at(-1);
  const write = () => {
    const now = Date.now();
    const result: RunResult = {
      status: 'interrupted',
      chapters,
      diagnostics,
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date(now).toISOString(),
      durationMs: now - started,
    };
    const report = buildReport(book, result, variables);
    for (const file of files) writeReport(file, report);
  };
  return {
    stepStart: (step, hosts) => inner.stepStart?.(step, hosts),
    stepOutput: (step, host, stream, text) => inner.stepOutput?.(step, host, stream, text),
    attemptFailed: (step, host, attempt, failure, willRetry) => inner.attemptFailed?.(step, host, attempt, failure, willRetry),
    notice: (message) => inner.notice?.(message),
    chapterStart(chapter, stepsToRun) {
      chapters.push({ chapter, status: 'interrupted', steps: [], durationMs: 0 });
      inner.chapterStart?.(chapter, stepsToRun);
    },
    checksRunEarly(chapter, checks) {
      const entry = current();
      if (entry?.chapter === chapter) entry.earlyChecks = checks;
      inner.checksRunEarly?.(chapter, checks);
      write();
    },
    stepEnd(result) {
      current()?.steps.push(result);
      inner.stepEnd?.(result);
      write();
    },
    chapterEnd(result) {
      const index = chapters.findIndex((entry) => entry.chapter === result.chapter);
      if (index === -1) chapters.push(result);
      else chapters[index] = result;
      inner.chapterEnd?.(result);
      write();
    },
    diagnostic(results) {
      diagnostics.push(...results);
      inner.diagnostic?.(results);
      write();
    },
  };
}

export function renderJunit(report: RunReport): string {
  const early = report.earlyChecks ?? [];
  const suites = report.chapters.map((chapter) => {
    const cases = report.steps.filter((step) => step.chapter === chapter.name).map(caseOf);
    // A check run before its chapter is a test of the check: it passes when the check failed.
    cases.unshift(...earlyCasesOf(early.filter((check) => check.chapter === chapter.name)));
    const count = (status: TestCase['status']) => cases.filter((test) => test.status === status).length;
    const seconds = (chapter.durationMs / 1000).toFixed(3);
    return (
      `  <testsuite name="${escapeXml(`${chapter.name} ${chapter.title}`)}" tests="${cases.length}" failures="${count('failed')}" errors="${count('interrupted')}" skipped="${count('skipped') + count('not-run')}" time="${seconds}">\n` +
      cases.map(renderCase).join('') +
      '  </testsuite>\n'
    );
  });
  const all = [...report.steps.map(caseOf), ...earlyCasesOf(early)];
  const tests = all.length;
  const failures = all.filter((test) => test.status === 'failed').length;
  const errors = all.filter((test) => test.status === 'interrupted').length;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="${escapeXml(report.book)}" tests="${tests}" failures="${failures}" errors="${errors}" time="${(report.durationMs / 1000).toFixed(3)}" timestamp="${report.startedAt}">\n` +
    suites.join('') +
    '</testsuites>\n'
  );
}

/** One JUnit testcase: a step on a host, or a check run before its chapter. */
interface TestCase {
  name: string;
  step: ReportStep;
  status: ReportStep['status'];
  failure?: { reason: string; message: string; diff?: string; tail: string };
}

function caseOf(step: ReportStep): TestCase {
  return {
    name: `${step.id} on ${step.host}: ${step.title}`,
    step,
    status: step.status,
    ...(step.failure ? { failure: step.failure } : {}),
  };
}

/**
 * One test case per check run before its chapter, judged on all its hosts as the run judged it:
 * it passes when the check failed, and proves nothing only when it passed on every host.
 */
function earlyCasesOf(checks: ReportStep[]): TestCase[] {
  const byStep = new Map<string, ReportStep[]>();
  for (const check of checks) {
    const key = `${check.chapter}\0${check.id}`;
    byStep.set(key, [...(byStep.get(key) ?? []), check]);
  }
  return [...byStep.values()].map((hosts) => {
    const step = hosts[0]!;
    const name = `${step.id} on ${hosts.map((host) => host.host).join(', ')} fails before its chapter: ${step.title}`;
    const status = combineStatuses(hosts.map((host) => host.status));
    if (status === 'failed') return { name, step, status: 'passed' };
    if (status !== 'passed') return { name, step, status };
    const message =
      'passes before its chapter has run, so it proves nothing; make it assert what only this chapter creates, or mark it may-pass-early';
    const tail = hosts.map((host) => host.output ?? '').join('');
    return { name, step, status: 'failed', failure: { reason: 'proves-nothing', message, tail } };
  });
}

function renderCase({ name, step, status, failure }: TestCase): string {
  // file and line put a CI annotation (action-junit-report, GitLab, Jenkins) on the step's fence, not on line 1.
  const { file, line } = splitSource(step.source);
  const open = `    <testcase classname="${escapeXml(step.chapter)}" name="${escapeXml(name)}" file="${escapeXml(file)}"${line ? ` line="${line}"` : ''} time="${(step.durationMs / 1000).toFixed(3)}"`;
  if (status === 'passed') return `${open}/>\n`;
  if (status === 'skipped') return `${open}>\n      <skipped message="passed in an earlier run"/>\n    </testcase>\n`;
  if (status === 'not-run') return `${open}>\n      <skipped message="not run: an earlier step failed"/>\n    </testcase>\n`;
  const element = status === 'interrupted' ? 'error' : 'failure';
  const body = [failure?.message, failure?.diff, failure?.tail].filter(Boolean).join('\n\n');
  return (
    `${open}>\n` +
    `      <${element} message="${escapeXml(failure?.message ?? status)}" type="${escapeXml(failure?.reason ?? status)}">${escapeXml(`${step.source}\n${body}`)}</${element}>\n` +
    '    </testcase>\n'
  );
}

/** `docs/01-fleet.md:41` -> the file and its line (none when the source names no line). */
function splitSource(source: string): { file: string; line?: string } {
  const match = /^(.*):(\d+)$/.exec(source);
  return match ? { file: match[1]!, line: match[2]! } : { file: source };
}

export function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
    .replace(/[<>&"']/g, (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[char]!);
}
