/**
 * Ctrl-C and CI cancellation. The first SIGINT or SIGTERM stops the running step (its whole
 * process tree) and the run; a second one stops the cleanup chapter too; a third exits at once.
 */

export interface Interrupts {
  runSignal: AbortSignal;
  cleanupSignal: AbortSignal;
  /** 130 after SIGINT, 143 after SIGTERM, as shells report them. */
  exitCode(): number;
  dispose(): void;
}

export function watchInterrupts(): Interrupts {
  const run = new AbortController();
  const cleanup = new AbortController();
  let count = 0;
  let code = 130;
  const onSignal = (signal: NodeJS.Signals) => {
    count++;
    if (count === 1) code = signal === 'SIGTERM' ? 143 : 130;
    if (count === 1) run.abort();
    else if (count === 2) cleanup.abort();
    else process.exit(code);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    runSignal: run.signal,
    cleanupSignal: cleanup.signal,
    exitCode: () => code,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
