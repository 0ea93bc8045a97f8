/**
 * Ctrl-C, a closed terminal and CI cancellation. The first SIGINT, SIGTERM or SIGHUP stops the
 * running step (its whole process tree) and the run; the cleanup chapter still runs with --all.
 * Pressing Ctrl-C again stops the cleanup chapter too; a third one kills every process the run
 * started at once. The runner itself never exits while a step's processes are alive: it ends when
 * the run has unwound.
 *
 * GitHub Actions cancels a job with SIGINT, then SIGTERM 7.5 s later, then SIGKILL: a SIGTERM
 * after a SIGINT is that escalation, not a second Ctrl-C, so the cleanup chapter goes on.
 */
import { killWatchedGroups } from '../execute/watchdog.js';

export interface Interrupts {
  runSignal: AbortSignal;
  cleanupSignal: AbortSignal;
  /** 128 + the first signal's number (130 after SIGINT, 143 after SIGTERM, 129 after SIGHUP), as shells report them. */
  exitCode(): number;
  dispose(): void;
}

const EXIT_CODES: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export function watchInterrupts(notice: (message: string) => void = () => {}): Interrupts {
  const run = new AbortController();
  const cleanup = new AbortController();
  let first: NodeJS.Signals | undefined;
  let count = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (first === undefined) {
      first = signal;
      count = 1;
      run.abort();
      return;
    }
    if (first === 'SIGINT' && signal === 'SIGTERM') {
      notice('SIGTERM after Ctrl-C (a CI cancelling the job): the cleanup chapter goes on.');
      return;
    }
    count++;
    if (count === 2) cleanup.abort();
    else killWatchedGroups();
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return {
    runSignal: run.signal,
    cleanupSignal: cleanup.signal,
    exitCode: () => EXIT_CODES[first ?? 'SIGINT'] ?? 130,
    dispose() {
      for (const signal of SIGNALS) process.off(signal, onSignal);
    },
  };
}
