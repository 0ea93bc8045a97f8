/** Problems found in a book, reported vfile-style as `file:line:col: message`. */
import path from 'node:path';
import { LabError } from '../errors.js';

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

/**
 * Problems in a file the reader wrote; the CLI prints every one and exits 2. `subject` says whose
 * problems they are: `the book`, `the hosts file hosts.yaml`.
 */
export class ProblemsError extends LabError {
  override name = 'ProblemsError';
  readonly problems: Problem[];
  readonly subject: string;

  constructor(problems: Problem[], subject: string) {
    const sorted = sortProblems(problems);
    super(
      `${capitalize(subject)} has ${sorted.length} problem${sorted.length === 1 ? '' : 's'}:\n` +
        sorted.map((problem) => formatProblem(problem)).join('\n'),
    );
    this.problems = sorted;
    this.subject = subject;
  }

  override describe(): string {
    const count = `${this.problems.length} problem${this.problems.length === 1 ? '' : 's'}`;
    return `${this.problems.map((problem) => formatProblem(problem)).join('\n')}\nlab: ${count} in ${this.subject}; nothing was run.`;
  }
}

/** Thrown when a book cannot be run as written. */
export class BookError extends ProblemsError {
  override name = 'BookError';

  constructor(problems: Problem[]) {
    super(problems, 'the book');
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
