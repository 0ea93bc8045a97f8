/**
 * `lab check`: report every problem as `file:line:col: message  rule-id` (remark-lint's form);
 * exit 2 when there is any. With --json, one JSON object on stdout instead (see CheckReport).
 */
import path from 'node:path';
import { formatProblem, type Problem } from '../book/problems.js';
import { lintBook } from '../lint/lint-book.js';
import type { Terminal } from './terminal.js';

/** What `lab check --json` prints; the field names are stable. */
export interface CheckReport {
  /** Each finding; `file` is relative to the current directory, `rule` the finding's id. */
  problems: { file: string; line: number; column: number; rule: string; message: string }[];
  /** Parts that could not run here (a missing tool, an unreachable upstream), in words. */
  skipped: string[];
  chapters: number;
  steps: number;
}

export async function checkCommand(
  bookDir: string,
  terminal: Terminal,
  options: { json?: boolean; online?: boolean } = {},
): Promise<number> {
  const result = await lintBook(bookDir, { online: options.online ?? false });
  const count = result.problems.length;
  if (options.json) {
    const report: CheckReport = {
      problems: result.problems.map(({ file, line, column, rule, message }: Problem) => ({
        file: path.relative(process.cwd(), file) || file,
        line,
        column,
        rule,
        message,
      })),
      skipped: result.skipped,
      chapters: result.chapters,
      steps: result.steps,
    };
    terminal.out.write(`${JSON.stringify(report, null, 2)}\n`);
    return count === 0 ? 0 : 2;
  }
  for (const problem of result.problems) terminal.out.write(`${formatProblem(problem)}  ${problem.rule}\n`);
  for (const notice of result.skipped) terminal.err.write(`lab check: skipped: ${notice}\n`);
  const files = new Set(result.problems.map((problem) => problem.file)).size;
  terminal.err.write(
    count === 0
      ? `lab check: no problems in ${result.chapters} chapters and ${result.steps} steps.\n`
      : `lab check: ${count} problem${count === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}.\n`,
  );
  return count === 0 ? 0 : 2;
}
