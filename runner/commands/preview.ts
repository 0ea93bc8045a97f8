/**
 * `lab preview`: serves the site on localhost and rebuilds a chapter when it is saved. Static
 * files only, from the site folder; nothing outside it is served.
 */
import { createReadStream, existsSync, statSync, watch } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import type { Arguments } from '../cli/parse-arguments.js';
import { buildSite } from '../site/build-site.js';
import type { Terminal } from './terminal.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
};

export async function previewCommand(args: Arguments, terminal: Terminal): Promise<number> {
  const outDir = path.resolve(args.out);
  await buildSite({ bookDir: args.book, outDir });
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const file = path.join(outDir, path.normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, ''));
    const target = file.endsWith(path.sep) || (existsSync(file) && statSync(file).isDirectory()) ? path.join(file, 'index.html') : file;
    if (!target.startsWith(outDir) || !existsSync(target)) {
      // The site's own 404 page, as a static host would serve it.
      response.writeHead(404, { 'content-type': TYPES['.html']! });
      createReadStream(path.join(outDir, '404.html')).pipe(response);
      return;
    }
    response.writeHead(200, { 'content-type': TYPES[path.extname(target)] ?? 'application/octet-stream' });
    createReadStream(target).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(args.port, '127.0.0.1', resolve));
  terminal.out.write(`Serving the book at http://127.0.0.1:${args.port}/ ; saving a chapter rebuilds its page. Ctrl-C stops.\n`);
  let pending = Promise.resolve();
  const watcher = watch(path.resolve(args.book), (_event, name) => {
    if (!name?.endsWith('.md')) return;
    pending = pending.then(async () => {
      const started = performance.now();
      try {
        await buildSite({ bookDir: args.book, outDir, only: path.join(path.resolve(args.book), name) });
        terminal.out.write(`Rebuilt ${name} in ${Math.round(performance.now() - started)} ms\n`);
      } catch (error) {
        terminal.err.write(`${(error as Error).message}\n`);
      }
    });
  });
  await new Promise<void>((resolve) => process.once('SIGINT', resolve));
  watcher.close();
  server.close();
  return 0;
}
