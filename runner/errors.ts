/**
 * The one place that maps what went wrong to `lab`'s exit status. Every error the CLI reports
 * rather than crashes on is a LabError carrying its exit code and the text it prints; anything
 * else is a bug in the runner.
 */

/** `bug` (EX_SOFTWARE) is set by bin/lab.js when lab itself crashes; no LabError carries it. */
export const EXIT = { passed: 0, failed: 1, badInput: 2, preflight: 3, interrupted: 130, bug: 70 } as const;
export type ExitCode = (typeof EXIT)[Exclude<keyof typeof EXIT, 'bug'>];

export class LabError extends Error {
  override name = 'LabError';
  readonly exitCode: ExitCode;

  constructor(message: string, exitCode: ExitCode = EXIT.badInput) {
    super(message);
    this.exitCode = exitCode;
  }

  /** What `lab` prints on stderr for it (without the final newline). */
  describe(): string {
    return `lab: ${this.message}`;
  }
}
