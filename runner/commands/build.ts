/** `lab build`: the site in site/ (or --out DIR), with a run report if one is given. */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import type { Arguments } from '../cli/parse-arguments.js';
import { UsageError } from '../cli/parse-arguments.js';
import { buildSite } from '../site/build-site.js';
import type { Terminal } from './terminal.js';

export async function buildCommand(args: Arguments, terminal: Terminal): Promise<number> {
  const started = performance.now();
  refuseOutFile(args.out);
  const report = args.reports.find((file) => file.endsWith('.json'));
  const result = await buildSite({ bookDir: args.book, outDir: args.out, ...(report ? { report } : {}) });
  const where = path.relative(process.cwd(), path.join(result.outDir, 'index.html'));
  terminal.out.write(
    `Built ${result.pages} pages in ${Math.round(performance.now() - started)} ms. Open ${where} in a browser, or run \`npm run preview\`.\n`,
  );
  return 0;
}

/**
 * The site is a folder of pages: `--out` must name a folder, or a place one can be made. A file
 * there is the reader's and is left alone; the build never starts to fail half-way.
 */
export function refuseOutFile(out: string): void {
  const refuse = (why: string) => {
    throw new UsageError(`--out ${out}: ${why}; the site is a folder of pages: name a folder (new or old) instead`);
  };
  let dir = path.resolve(out);
  for (;;) {
    let stat;
    try {
      stat = statSync(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        // Not there yet: the build makes it, if its nearest existing parent is a folder.
        dir = path.dirname(dir);
        continue;
      }
      return refuse(code === 'ENAMETOOLONG' ? 'the name is too long for the file system' : (error as Error).message);
    }
    if (!stat.isDirectory()) return refuse(dir === path.resolve(out) ? 'it is a file' : `${dir} is a file, so no folder can be made in it`);
    try {
      accessSync(dir, constants.W_OK);
    } catch {
      refuse(`${dir} is not writable by this user`);
    }
    return;
  }
}
