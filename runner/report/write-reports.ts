/** `--report FILE.json` and `--report FILE.xml` (JUnit: a testsuite per chapter, a testcase per step and host). */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RunReport, ReportStep } from './build-report.js';

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

export function renderJunit(report: RunReport): string {
  const suites = report.chapters.map((chapter) => {
    const cases = report.steps.filter((step) => step.chapter === chapter.name);
    const count = (status: ReportStep['status']) => cases.filter((step) => step.status === status).length;
    const failures = count('failed');
    const errors = count('interrupted');
    const skipped = count('skipped') + count('not-run');
    const seconds = (chapter.durationMs / 1000).toFixed(3);
    return (
      `  <testsuite name="${escapeXml(`${chapter.name} ${chapter.title}`)}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${seconds}">\n` +
      cases.map(renderCase).join('') +
      '  </testsuite>\n'
    );
  });
  const tests = report.steps.length;
  const failures = report.steps.filter((step) => step.status === 'failed').length;
  const errors = report.steps.filter((step) => step.status === 'interrupted').length;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="${escapeXml(report.book)}" tests="${tests}" failures="${failures}" errors="${errors}" time="${(report.durationMs / 1000).toFixed(3)}" timestamp="${report.startedAt}">\n` +
    suites.join('') +
    '</testsuites>\n'
  );
}

function renderCase(step: ReportStep): string {
  const name = `${step.id} on ${step.host}: ${step.title}`;
  const open = `    <testcase classname="${escapeXml(step.chapter)}" name="${escapeXml(name)}" file="${escapeXml(step.source.split(':')[0]!)}" time="${(step.durationMs / 1000).toFixed(3)}"`;
  if (step.status === 'passed') return `${open}/>\n`;
  if (step.status === 'skipped') return `${open}>\n      <skipped message="passed in an earlier run"/>\n    </testcase>\n`;
  if (step.status === 'not-run') return `${open}>\n      <skipped message="not run: an earlier step failed"/>\n    </testcase>\n`;
  const failure = step.failure;
  const element = step.status === 'interrupted' ? 'error' : 'failure';
  const body = [failure?.message, failure?.diff, failure?.tail].filter(Boolean).join('\n\n');
  return (
    `${open}>\n` +
    `      <${element} message="${escapeXml(failure?.message ?? step.status)}" type="${escapeXml(failure?.reason ?? step.status)}">${escapeXml(`${step.source}\n${body}`)}</${element}>\n` +
    '    </testcase>\n'
  );
}

export function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
    .replace(/[<>&"']/g, (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[char]!);
}
