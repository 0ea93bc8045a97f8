/** `lab check`: report every problem as file:line:col: message; exit 2 when there is any. */
import { formatProblem } from '../book/problems.js';
import { lintBook } from '../lint/lint-book.js';
import type { Terminal } from './terminal.js';

export async function checkCommand(bookDir: string, terminal: Terminal): Promise<number> {
  const result = await lintBook(bookDir);
  for (const problem of result.problems) terminal.out.write(`${formatProblem(problem)}\n`);
  for (const notice of result.skipped) terminal.err.write(`lab check: skipped: ${notice}\n`);
  const count = result.problems.length;
  const files = new Set(result.problems.map((problem) => problem.file)).size;
  terminal.err.write(
    count === 0
      ? `lab check: no problems in ${result.chapters} chapters and ${result.steps} steps.\n`
      : `lab check: ${count} problem${count === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}.\n`,
  );
  return count === 0 ? 0 : 2;
}
