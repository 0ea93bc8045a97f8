/** Problems found in a book, reported vfile-style as `file:line:col: message`. */
import path from 'node:path';

export interface Problem {
  file: string;
  line: number;
  column: number;
  message: string;
  /** A short rule name, such as `unknown-attribute`, so tools and tests can tell problems apart. */
  rule: string;
}

/** Paths are shown relative to the current directory, as compilers do. */
export function formatProblem(problem: Problem, cwd = process.cwd()): string {
  const file = path.relative(cwd, problem.file) || problem.file;
  return `${file}:${problem.line}:${problem.column}: ${problem.message}`;
}

export function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}

/** Thrown when a book cannot be run as written; the CLI prints every problem and exits 2. */
export class BookError extends Error {
  readonly problems: Problem[];

  constructor(problems: Problem[]) {
    const sorted = sortProblems(problems);
    super(
      `The book has ${sorted.length} problem${sorted.length === 1 ? '' : 's'}:\n` +
        sorted.map((problem) => formatProblem(problem)).join('\n'),
    );
    this.name = 'BookError';
    this.problems = sorted;
  }
}
