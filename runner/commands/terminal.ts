/** Where the CLI writes, and whether it may redraw lines and use colour. */

export interface Terminal {
  out: NodeJS.WritableStream & { columns?: number };
  err: NodeJS.WritableStream;
  /** A live progress line (a TTY that is not a CI log). */
  live: boolean;
  color: boolean;
}

export function detectTerminal(env: NodeJS.ProcessEnv = process.env): Terminal {
  const tty = Boolean(process.stdout.isTTY) && env.TERM !== 'dumb';
  const color = env.NO_COLOR === undefined && (env.FORCE_COLOR !== undefined ? env.FORCE_COLOR !== '0' : tty);
  for (const stream of [process.stdout, process.stderr]) stream.on('error', ignoreClosedPipe);
  return { out: process.stdout, err: process.stderr, live: tty && !env.CI, color };
}

/**
 * `lab run --all | head` closes the pipe early. The run goes on (stopping it half-way would leave
 * a half-built cluster, and its results are in .lab/ and the reports); the output is dropped.
 */
function ignoreClosedPipe(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EPIPE' && error.code !== 'EIO') throw error; // EIO: the terminal was closed (SIGHUP)
}
