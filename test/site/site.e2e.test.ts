/**
 * The built site in a real browser (Debian's Chromium through playwright-core): navigation,
 * search, copying, dark mode, and screenshots kept in test/artifacts/ for people to look at.
 */
import { createReadStream, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite } from '../../runner/site/build-site.js';
import { hasChromium, launchChromium } from '../helpers/browser.js';
import { PROJECT_ROOT } from '../helpers/lab.js';

const ARTIFACTS = path.join(PROJECT_ROOT, 'test/artifacts');
let server: Server;
let browser: Browser;
let base: string;

beforeAll(async () => {
  const outDir = mkdtempSync(path.join(tmpdir(), 'lab-site-'));
  await buildSite({ bookDir: path.join(PROJECT_ROOT, 'docs'), outDir });
  server = createServer((request, response) => {
    const file = path.join(outDir, new URL(request.url ?? '/', 'http://x').pathname);
    const target = file.endsWith('/') ? path.join(file, 'index.html') : file;
    if (!existsSync(target)) return void response.writeHead(404).end();
    const type = { '.html': 'text/html', '.css': 'text/css', '.js': 'text/javascript', '.json': 'application/json' }[path.extname(target)];
    response.writeHead(200, { 'content-type': type ?? 'application/octet-stream' });
    createReadStream(target).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  browser = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  server?.close();
});

describe.runIf(hasChromium())('the book site', () => {
  it('opens on the first chapter and follows the sidebar and the next link', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    expect(await page.locator('h1').first().textContent()).toContain('Kubernetes the kubeadm way');
    await page.locator('.sidebar a', { hasText: 'Compute resources' }).click();
    await page.waitForURL('**/03-compute-resources.html');
    expect(await page.locator('.sidebar li.current').textContent()).toContain('Compute resources');
    await page.locator('.pager a[rel="next"]').click();
    await page.waitForURL('**/04-certificate-authority.html');
    await page.keyboard.press('ArrowRight');
    await page.waitForURL('**/05-api-load-balancer.html');
    await page.close();
  });

  it('finds a word only one chapter has and lands there', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/01-introduction.html`);
    await page.locator('#search-input').fill('br_netfilter');
    const results = page.locator('#search-results a');
    await results.first().waitFor();
    expect(await results.count()).toBe(1);
    await results.first().click();
    await page.waitForURL('**/06-node-preparation.html');
    expect(await page.locator('h1').textContent()).toContain('Preparing the nodes');
    await page.close();
  });

  it('copies exactly what the reader should type', async () => {
    const context = await browser.newContext();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    const page = await context.newPage();
    await page.goto(`${base}/02-prerequisites.html`);
    await page.locator('figure.step button.copy').first().click();
    // The first step of the chapter: several lines, quotes and ${...} come out as written.
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(
      'for tool in gcloud kubectl openssl curl git; do\n  if command -v "${tool}" > /dev/null; then echo "${tool}"; fi\ndone',
    );
    expect(await page.locator('figure.step button.copy').first().textContent()).toBe('Copied');
    await context.close();
  });

  it('switches to dark mode and keeps it, and takes screenshots on a desktop and a phone', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${base}/07-control-plane.html`);
    const theme = () => page.evaluate(() => document.documentElement.dataset.theme);
    const before = await theme();
    await page.screenshot({ path: path.join(ARTIFACTS, `desktop-${before}.png`) });
    await page.locator('button.theme').click();
    const after = await theme();
    expect(after).not.toBe(before);
    await page.reload();
    expect(await theme()).toBe(after);
    await page.screenshot({ path: path.join(ARTIFACTS, `desktop-${after}.png`) });
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await phone.goto(`${base}/06-node-preparation.html`);
    await phone.screenshot({ path: path.join(ARTIFACTS, 'phone.png') });
    await phone.locator('button.menu').click();
    expect(await phone.locator('#sidebar').isVisible()).toBe(true);
    await page.close();
    await phone.close();
  });
});
