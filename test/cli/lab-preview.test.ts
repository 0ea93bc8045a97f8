/** `lab preview`: serves the site, rebuilds a saved chapter, stops on Ctrl-C. */
import { rmSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkspace, type Workspace } from '../helpers/lab.js';

const workspaces: Workspace[] = [];
afterEach(() => {
  for (const made of workspaces.splice(0)) rmSync(made.dir, { recursive: true, force: true });
});
function workspaceOf(fixture: string): Workspace {
  const made = createWorkspace(fixture);
  workspaces.push(made);
  return made;
}

/** Starts `lab preview` on a free port and waits until it serves. */
async function startPreview(workspace: Workspace) {
  const port = await freePort();
  const preview = workspace.start(['preview', '--port', String(port)]);
  let output = '';
  preview.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  for (let i = 0; i < 200 && !output.includes('Serving the book'); i++) await sleep(100);
  return { preview, port, output: () => output };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('lab preview', () => {
  it('serves the book, rebuilds a chapter when it is saved, and refuses paths outside the site', async () => {
    const workspace = workspaceOf('workstation');
    const port = await freePort();
    const preview = workspace.start(['preview', '--port', String(port)]);
    let output = '';
    preview.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    for (let i = 0; i < 100 && !output.includes('Serving the book'); i++) await sleep(100);
    const page = await fetch(`http://127.0.0.1:${port}/02-checks.html`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Checks · Workstation fixture</title>');
    const outside = await fetch(`http://127.0.0.1:${port}/%2e%2e/%2e%2e/etc/passwd`);
    expect(outside.status).toBe(404);
    // The site's own 404 page, with the chapters and search to go on from.
    expect(await outside.text()).toContain('<h1>Page not found</h1>');

    workspace.edit('docs/02-checks.md', '# Checks', '# Checks, revised');
    for (let i = 0; i < 100 && !output.includes('Rebuilt 02-checks.md'); i++) await sleep(100);
    expect(output).toMatch(/Rebuilt 02-checks\.md in \d+ ms/);
    expect(await (await fetch(`http://127.0.0.1:${port}/02-checks.html`)).text()).toContain('Checks, revised');

    preview.kill('SIGINT');
    expect((await preview).exitCode).toBe(0);
  });

  it('answers hostile requests without serving outside the site, and partial requests hold up no one', async () => {
    const workspace = workspaceOf('workstation');
    workspace.write('secret.txt', 'not for the web\n');
    const { preview, port } = await startPreview(workspace);
    try {
      const url = (tail: string) => `http://127.0.0.1:${port}${tail}`;
      expect((await fetch(url('/02-checks.html'), { method: 'POST', body: 'x' })).status).toBe(405);
      const head = await fetch(url('/02-checks.html'), { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(await head.text()).toBe('');
      for (const tail of [
        '/%2e%2e/secret.txt',
        '/..%5csecret.txt',
        '/%2e%2e%5csecret.txt',
        '/.%2e/secret.txt',
        '/assets/%2e%2e/%2e%2e/secret.txt',
      ]) {
        expect(await fetch(url(tail)).then((response) => response.status)).toBe(404);
      }
      expect((await fetch(url(`/${'a'.repeat(100_000)}`))).status).toBe(431);
      // Slowloris: connections that never finish their request do not stop a real one.
      const partial = Array.from({ length: 200 }, () => {
        const socket = net.connect(port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n'));
        socket.on('error', () => {});
        return socket;
      });
      try {
        await sleep(500);
        expect((await fetch(url('/02-checks.html'), { signal: AbortSignal.timeout(10_000) })).status).toBe(200);
      } finally {
        for (const socket of partial) socket.destroy();
      }
    } finally {
      preview.kill('SIGINT');
    }
    expect((await preview).exitCode).toBe(0);
  });
});
