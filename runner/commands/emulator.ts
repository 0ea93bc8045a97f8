/**
 * `lab emulator [--state FILE]`: a Compute Engine emulator in the foreground. It prints the
 * `export CLOUDSDK_...` lines that point a shell's gcloud (and `lab run`) at it, through a
 * private gcloud configuration (never the user's own); Ctrl-C stops it and its instances.
 */
import type { Arguments } from '../cli/parse-arguments.js';
import { exportLines } from '../emulator/gcloud-config.js';
import { runEmulator } from '../emulator/run-emulator.js';
import type { Terminal } from './terminal.js';

/** `--state`'s default names lab's state folder; only a FILE given on purpose keeps the emulator's. */
const STATE_DEFAULT = '.lab';

export async function emulatorCommand(args: Arguments, terminal: Terminal, stop: Promise<unknown> = interrupted()): Promise<number> {
  const stateFile = args.state === STATE_DEFAULT ? undefined : args.state;
  const running = await runEmulator({ ...(stateFile ? { stateFile } : {}), log: (line) => terminal.err.write(`${line}\n`) });
  const { project, region, zone } = running.setup;
  terminal.err.write(
    [
      `lab emulator: Compute Engine on ${running.emulator.url} (project ${project}, region ${region}, zone ${zone})${stateFile ? `, state in ${stateFile}` : ''}.`,
      running.hosts ? 'Instances are Debian 13 hosts on 127.2.X.N, port 22.' : `Warning: ${running.whyNoHosts}.`,
      'Point a shell at it with these lines; Ctrl-C stops it.',
      '',
    ].join('\n'),
  );
  terminal.out.write(exportLines(running.env));
  await stop;
  terminal.err.write('lab emulator: stopping its instances and itself.\n');
  await running.close();
  return 0;
}

function interrupted(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
