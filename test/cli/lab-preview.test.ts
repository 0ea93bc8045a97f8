/** `lab preview`: serves the site, rebuilds a saved chapter, stops on Ctrl-C. */
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createWorkspace } from '../helpers/lab.js';

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
    const workspace = createWorkspace('workstation');
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
});
