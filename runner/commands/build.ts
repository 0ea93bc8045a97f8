/** `lab build`: the site in site/ (or --out DIR), with the run reports given, if any. */
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import type { Arguments } from '../cli/parse-arguments.js';
import { buildSite } from '../site/build-site.js';
import type { Terminal } from './terminal.js';

export async function buildCommand(args: Arguments, terminal: Terminal): Promise<number> {
  // A build is over in about a second: TurboFan's background compiles cost more CPU than its
  // optimised code saves in that time (1.7 s of CPU down to 1.25 s for the book, and faster on a
  // busy machine). Node keeps V8's flags open for this (src/node.cc: --no-freeze-flags-after-init).
  setFlagsFromString('--no-turbofan');
  const started = performance.now();
  // Several run reports: the newest is the last run; older ones say when each chapter last passed.
  const reports = args.reports.filter((file) => file.endsWith('.json'));
  const result = await buildSite({ bookDir: args.book, outDir: args.out, reports });
  const where = path.relative(process.cwd(), path.join(result.outDir, 'index.html'));
  terminal.out.write(
    `Built ${result.pages} pages in ${Math.round(performance.now() - started)} ms. Open ${where} in a browser, or run \`npm run preview\`.\n`,
  );
  return 0;
}
