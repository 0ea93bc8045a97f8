/**
 * `lab preview`: serves the site on localhost and rebuilds a chapter when it is saved. Static
 * files only, from the site folder; nothing outside it is served, and no request can stop it.
 */
import { createReadStream, statSync, watch } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Arguments } from '../cli/parse-arguments.js';
import { UsageError } from '../cli/parse-arguments.js';
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
  const server = createServer((request, response) => serveFile(outDir, request, response));
  const port = await listen(server, args.port);
  terminal.out.write(`Serving the book at http://127.0.0.1:${port}/ ; saving a chapter rebuilds its page. Ctrl-C stops.\n`);
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

/** The port it listens on; a port in use (or not ours to take) is the reader's to change. */
function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why =
        error.code === 'EADDRINUSE'
          ? 'is in use by another program'
          : error.code === 'EACCES'
            ? 'needs privileges this user does not have'
            : `cannot be used (${error.message})`;
      reject(new UsageError(`Port ${port} on 127.0.0.1 ${why}; pass another with --port, or --port 0 for any free one`));
    });
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function serveFile(outDir: string, request: IncomingMessage, response: ServerResponse): void {
  const reply = (status: number, text: string) => response.writeHead(status, { 'content-type': 'text/plain' }).end(text);
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    // A static site takes no uploads; a form or a script posting here gets no page back.
    response.setHeader('allow', 'GET, HEAD');
    reply(405, 'Method not allowed: the preview serves static pages (GET and HEAD)');
    return;
  }
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
  } catch {
    // `/%` or a cut UTF-8 sequence: the request is bad, the server goes on.
    reply(400, 'Bad request: the path is not valid percent-encoding');
    return;
  }
  if (pathname.includes('\0')) {
    reply(400, 'Bad request: the path has a NUL byte');
    return;
  }
  const file = path.join(outDir, path.normalize(pathname).replace(/^(\.\.[/\\])+/, ''));
  const target = file.endsWith(path.sep) || isFolder(file) ? path.join(file, 'index.html') : file;
  if (!target.startsWith(outDir + path.sep) || !isFile(target)) {
    // The site's own 404 page, as a static host would serve it.
    const notFound = path.join(outDir, '404.html');
    if (!isFile(notFound)) {
      reply(404, 'Not found');
      return;
    }
    response.writeHead(404, { 'content-type': TYPES['.html']! });
    createReadStream(notFound)
      .on('error', () => response.destroy())
      .pipe(response);
    return;
  }
  response.writeHead(200, { 'content-type': TYPES[path.extname(target)] ?? 'application/octet-stream' });
  createReadStream(target)
    .on('error', () => response.destroy())
    .pipe(response);
}

function isFolder(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
