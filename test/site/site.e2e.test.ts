/**
 * The built site in a real browser (Debian's Chromium through playwright-core), read as a reader
 * would: the values form, navigation, search over http and from file://, the phone drawer, the
 * print page, run reports, and axe-core on every kind of page in both themes. Screenshots are
 * kept in test/artifacts/ for people to look at.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBook } from '../../runner/book/load-book.js';
import type { Book } from '../../runner/book/types.js';
import { listSiteVariables } from '../../runner/site/book-variables.js';
import { buildSite } from '../../runner/site/build-site.js';
import { findAxeViolations, hasChromium, launchChromium, serveDirectory } from '../helpers/browser.js';
import { PROJECT_ROOT } from '../helpers/lab.js';
import { fixtureReport } from './fixture-report.js';

const ARTIFACTS = path.join(PROJECT_ROOT, 'test/artifacts');
const temporary = mkdtempSync(path.join(tmpdir(), 'lab-site-'));
const book = loadBook(path.join(PROJECT_ROOT, 'docs'));
const fixture = loadBook(path.join(PROJECT_ROOT, 'test/fixtures/site-book/docs'));
const bookOut = path.join(temporary, 'book');
const fixtureOut = path.join(temporary, 'fixture');
let browser: Browser;
let base: string;
let fixtureBase: string;
const servers: { close: () => Promise<void> }[] = [];

beforeAll(async () => {
  await buildSite({ bookDir: book.dir, outDir: bookOut });
  await buildSite({ bookDir: fixture.dir, outDir: fixtureOut });
  const served = await serveDirectory(bookOut);
  const fixtureServed = await serveDirectory(fixtureOut);
  servers.push(served, fixtureServed);
  base = served.url;
  fixtureBase = fixtureServed.url;
  if (hasChromium()) browser = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await Promise.all(servers.map((server) => server.close()));
  rmSync(temporary, { recursive: true, force: true });
});

const shot = (page: Page, name: string, fullPage = false) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage });
/** The chapter with the most steps: the longest page a reader follows. */
const longest = (of: Book) => [...of.chapters].sort((a, b) => b.steps.length - a.steps.length)[0]!;

describe.runIf(hasChromium())('the book site', () => {
  it('opens on the first chapter and follows the sidebar, the next link and the arrow keys', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    expect(await page.locator('h1').first().textContent()).toContain(book.chapters[0]!.title);
    const third = book.chapters[2]!;
    await page.locator('.sidebar a', { hasText: third.title }).click();
    await page.waitForURL(`**/${third.slug}.html`);
    expect(await page.locator('.sidebar li.current').textContent()).toContain(third.title);
    await page.locator('.pager a[rel="next"]').click();
    await page.waitForURL(`**/${book.chapters[3]!.slug}.html`);
    await page.keyboard.press('ArrowRight');
    await page.waitForURL(`**/${book.chapters[4]!.slug}.html`);
    // In a code block the arrows scroll it: the page stays.
    await page.locator('figure.step pre').first().focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowLeft');
    await page.waitForTimeout(300);
    expect(page.url()).toContain(`${book.chapters[4]!.slug}.html`);
    await page.close();
  });

  it('puts the values a reader enters in every block and every copy on every page, and keeps them', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const variables = listSiteVariables(book);
    const prefix = variables.find((variable) => variable.name === book.gce.prefix)!;
    const project = variables.find((variable) => variable.name === book.gce.project)!;
    // The values box sits on the page where the prefix is first needed.
    await page.goto(`${base}/${prefix.firstPage}.html`);
    expect(await page.locator(`.values input[data-var="${prefix.name}"]`).count()).toBe(1);
    await page.locator('header button.values-open').click();
    const dialog = page.locator('#values-dialog');
    await dialog.locator(`input[data-var="${prefix.name}"]`).fill('reader-lab');
    await dialog.locator(`input[data-var="${project.name}"]`).fill('reader-project');
    await shot(page, 'values-dialog');
    expect(await findAxeViolations(page)).toEqual([]);
    await dialog.locator('button[value="close"]').click();
    for (const chapter of book.chapters) {
      await page.goto(`${base}/${chapter.slug}.html`);
      const shown = await page.locator(`span.var[data-var="${prefix.name}"], span.var[data-var="${project.name}"]`).allTextContents();
      expect(
        shown.filter((text) => text !== 'reader-lab' && text !== 'reader-project'),
        chapter.slug,
      ).toEqual([]);
      const copies = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLButtonElement>('button.copy')].map((button) => ({
          source: button.dataset.script ?? button.dataset.content ?? '',
          copy: (window as unknown as { labCopyText: (button: HTMLButtonElement) => string }).labCopyText(button),
        })),
      );
      for (const { source, copy } of copies) {
        if (source.includes(`\${${prefix.name}}`)) expect(copy, chapter.slug).toContain('reader-lab');
        expect(copy, chapter.slug).not.toContain(`\${${prefix.name}}`);
        expect(copy, chapter.slug).not.toContain(`\${${project.name}}`);
      }
    }
    // Pins show their value without the reader doing anything.
    const pin = book.vars.find((definition) => definition.name.endsWith('_VERSION') && definition.default !== '');
    if (pin) {
      const where = variables.find((variable) => variable.name === pin.name)!.firstPage;
      await page.goto(`${base}/${where}.html`);
      expect(await page.locator(`span.var[data-var="${pin.name}"]`).first().textContent()).toBe(pin.default);
    }
    await context.close();
  });

  it("refuses a prefix the book would refuse, with an error read out beside the field, and keeps the book's value in the code", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const prefix = listSiteVariables(book).find((variable) => variable.name === book.gce.prefix)!;
    // The rule is book.yaml's own, stated once there.
    expect(prefix.valid?.message).toContain('at most 24 characters');
    await page.goto(`${base}/${prefix.firstPage}.html`);
    const field = page.locator(`.values input[data-var="${prefix.name}"]`);
    const error = page.locator(`#${await field.getAttribute('aria-errormessage')}`);
    expect((await field.getAttribute('aria-describedby'))?.split(' ')).toContain(await error.getAttribute('id'));
    const shown = () => page.locator(`span.var[data-var="${prefix.name}"]`).first().textContent();
    const stored = () => page.evaluate((name) => Object.keys(localStorage).filter((key) => key.endsWith(`:${name}`)), prefix.name);
    const copies = () =>
      page.evaluate(() =>
        [...document.querySelectorAll<HTMLButtonElement>('button.copy')].map((button) =>
          (window as unknown as { labCopyText: (button: HTMLButtonElement) => string }).labCopyText(button),
        ),
      );
    for (const refused of ['a'.repeat(25), 'Reader-lab', '1lab', 'lab_one']) {
      await field.fill(refused);
      expect(await field.getAttribute('aria-invalid'), refused).toBe('true');
      expect(await error.textContent(), refused).toBe(
        `Not applied: ${prefix.name} must be ${prefix.valid!.message}. The code keeps ${prefix.default}.`,
      );
      expect(await error.isVisible()).toBe(true);
      expect(await shown(), refused).toBe(prefix.default);
      expect(await stored(), refused).toEqual([]);
      expect((await copies()).some((copy) => copy.includes(refused))).toBe(false);
    }
    await page.locator(`.values tr:has(input[data-var="${prefix.name}"])`).screenshot({ path: path.join(ARTIFACTS, 'values-refused.png') });
    expect(await findAxeViolations(page)).toEqual([]);
    // 24 characters are the most the nodes' service account (`${PREFIX}-nodes`, 6-30) leaves.
    const longest = `r${'e'.repeat(22)}1`;
    await field.fill(longest);
    expect(await field.getAttribute('aria-invalid')).toBe('false');
    expect(await error.textContent()).toBe('');
    expect(await shown()).toBe(longest);
    expect((await copies()).some((copy) => copy.includes(longest))).toBe(true);
    // A value kept from before the rule (or written by hand) is not applied either.
    await page.evaluate(
      ([name, value]) => {
        for (const key of Object.keys(localStorage)) if (key.endsWith(`:${name}`)) localStorage.setItem(key, value!);
      },
      [prefix.name, 'x'.repeat(31)],
    );
    await page.reload();
    expect(await shown()).toBe(prefix.default);
    await context.close();
  });

  it('shows a value nobody has set as not set, and says so where a step needs it', async () => {
    const page = await browser.newPage();
    await page.goto(`${fixtureBase}/01-values.html`);
    const token = page.locator('figure.step-file span.var[data-var="TOKEN"]').first();
    expect(await token.textContent()).toBe('${TOKEN}');
    expect(await token.getAttribute('class')).toContain('var-unset');
    expect(await page.locator('code.need[data-need="TOKEN"]').first().getAttribute('class')).toContain('var-unset');
    expect(await page.locator('#step-01-values-1 .step-saves').textContent()).toBe('saves its output as TOKEN');
    // Once entered, a value a shell may not take as words shows as the variable, set: the copy sets it first.
    await page.locator('.values textarea[data-var="TOKEN"]').fill("two\nlines 'quoted'");
    const onNode = page.locator('figure.step-check span.var[data-var="TOKEN"]').first();
    expect(await onNode.textContent()).toBe('${TOKEN}');
    expect(await onNode.getAttribute('class')).not.toContain('var-unset');
    expect(await page.locator('figure.step-file span.var[data-var="TOKEN"]').first().textContent()).toBe("two\nlines 'quoted'");
    await shot(page, 'fixture-values');
    await page.close();
  });

  it('finds sections with the keyboard over http: excerpts marked, ↓ and Enter land on the section, Esc and an outside click close', async () => {
    const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    await page.goto(`${base}/`);
    const input = page.locator('#search-input');
    // A word of the last chapter's title, as the parser read it.
    const target = book.chapters.at(-1)!;
    const word = target.title.split(/\s+/).sort((a, b) => b.length - a.length)[0]!;
    await input.fill(word);
    const options = page.locator('#search-results [role="option"]');
    await options.first().waitFor();
    expect(await page.locator('#search-results mark').count()).toBeGreaterThan(0);
    await shot(page, 'search-open');
    expect(await findAxeViolations(page)).toEqual([]);
    await input.press('Escape');
    expect(await page.locator('#search-panel').isHidden()).toBe(true);
    await input.fill(`${word} `);
    await options.first().waitFor();
    await page.mouse.click(600, 700);
    expect(await page.locator('#search-panel').isHidden()).toBe(true);
    await input.fill(word);
    await options.first().waitFor();
    const hrefs = await options.evaluateAll((items) => items.map((item) => (item as HTMLElement).dataset.href));
    const index = hrefs.findIndex((href) => href?.startsWith(`${target.slug}.html`));
    expect(index).toBeGreaterThanOrEqual(0);
    for (let step = 0; step <= index; step++) await input.press('ArrowDown');
    expect(await input.getAttribute('aria-activedescendant')).toBe(`search-option-${index}`);
    await input.press('Enter');
    await page.waitForURL(`**/${target.slug}.html*`);
    await page.close();
  });

  it('finds "Cleaning up" for "cleanup" from file://, with the keyboard', async () => {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(path.join(fixtureOut, 'index.html')).href);
    await page.locator('#search-input').fill('cleanup');
    const first = page.locator('#search-results [role="option"]').first();
    await first.waitFor();
    expect(await first.locator('.result-title').textContent()).toBe('Cleaning up');
    expect(await first.locator('.result-title mark').textContent()).toBe('Cleaning');
    await page.locator('#search-input').press('ArrowDown');
    await page.locator('#search-input').press('Enter');
    await page.waitForURL('**/02-cleaning.html*');
    await page.close();
  });

  it("opens the phone's chapter drawer on screen at any scroll", async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await phone.goto(`${base}/${longest(book).slug}.html`);
    await shot(phone, 'phone');
    for (const fraction of [0, 0.5, 1]) {
      await phone.evaluate((at) => window.scrollTo(0, (document.body.scrollHeight - innerHeight) * at), fraction);
      await phone.locator('button.menu').click();
      const box = (await phone.locator('#sidebar').boundingBox())!;
      expect(box.y).toBeGreaterThanOrEqual(0);
      expect(box.y).toBeLessThan(10);
      expect(await phone.locator('#sidebar a').first().isVisible()).toBe(true);
      if (fraction === 1) await shot(phone, 'phone-drawer-scrolled');
      await phone.keyboard.press('Escape');
      expect(await phone.locator('#sidebar').isVisible()).toBe(false);
    }
    await phone.close();
  });

  it('keeps the sidebar and the outline in view on a desktop, the outline marking where the reader is', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const chapter = longest(book);
    await page.goto(`${base}/${chapter.slug}.html`);
    const sections = chapter.headings.filter((item) => item.depth === 2);
    const heading = sections[Math.floor(sections.length / 2)]!;
    await page
      .locator('main h2', { hasText: heading.text })
      .evaluate((element) => window.scrollTo(0, element.getBoundingClientRect().top + scrollY - 80));
    await page.waitForTimeout(200);
    expect((await page.locator('#sidebar').boundingBox())!.y).toBeLessThan(100);
    expect(await page.locator('.outline a[aria-current]').textContent()).toContain(heading.text);
    await page.close();
  });

  it('leaves out "On this page" where a page has no sections', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${fixtureBase}/appendix-notes.html`);
    expect(await page.locator('nav.outline').count()).toBe(0);
    await page.close();
  });

  it('prints the whole book: title page, a new sheet per chapter, long lines wrapped, no buttons, unique ids', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/print.html`);
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.title-page h1').textContent()).toBe(book.title);
    // The book's pins are printed as values, not as names.
    const pin = book.vars.find(
      (definition) =>
        !definition.secret &&
        definition.default !== '' &&
        listSiteVariables(book).find((variable) => variable.name === definition.name)?.firstPage,
    );
    if (pin) expect(await page.locator(`span.var[data-var="${pin.name}"]`).first().textContent()).toBe(pin.default);
    expect(await page.locator('button').count()).toBe(0);
    const cut = await page
      .locator('pre')
      .evaluateAll((blocks) => blocks.filter((block) => block.scrollWidth > block.clientWidth + 1).length);
    expect(cut).toBe(0);
    const ids = await page.evaluate(() => [...document.querySelectorAll('[id]')].map((element) => element.id));
    expect(ids.length).toBe(new Set(ids).size);
    expect(
      await page
        .locator('section.print-page')
        .first()
        .evaluate((section) => getComputedStyle(section).breakBefore),
    ).toBe('page');
    await page.pdf({ path: path.join(ARTIFACTS, 'print.pdf') });
    await page
      .locator('pre', { hasText: /.{120}/ })
      .first()
      .scrollIntoViewIfNeeded();
    await shot(page, 'print-long-line');
    await page.close();
  });

  it('answers a missing page with the 404 page', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`${base}/no-such-chapter.html`);
    expect(response!.status()).toBe(404);
    expect(await page.locator('h1').textContent()).toBe('Page not found');
    await page.close();
  });

  it('links issue references to GitHub and has a favicon and a description', async () => {
    const page = await browser.newPage();
    await page.goto(`${fixtureBase}/01-values.html`);
    expect(await page.locator('a', { hasText: 'containerd/containerd#12101' }).getAttribute('href')).toBe(
      'https://github.com/containerd/containerd/issues/12101',
    );
    expect(await page.locator('link[rel="icon"]').getAttribute('href')).toBe('assets/favicon.svg');
    expect(await page.locator('meta[name="description"]').getAttribute('content')).toMatch(/^Values and copies: /);
    // The real book names its repository: every page links to its source.
    const chapter = book.chapters[1]!;
    await page.goto(`${base}/${chapter.slug}.html`);
    expect(await page.locator('footer a', { hasText: 'Edit this page' }).getAttribute('href')).toBe(
      `${book.repository}/edit/main/docs/${chapter.slug}.md`,
    );
    await page.close();
  });

  for (const theme of ['light', 'dark']) {
    it(`has no axe violation on the home page, the longest chapter, the appendix and the print page, ${theme}`, async () => {
      const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, colorScheme: theme as 'light' | 'dark' });
      const page = await context.newPage();
      const pages = [
        'index.html',
        `${longest(book).slug}.html`,
        ...book.appendices.map((appendix) => `${appendix.slug}.html`),
        'print.html',
      ];
      for (const name of pages) {
        await page.goto(`${base}/${name}`);
        expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe(name === 'print.html' ? 'light' : theme);
        expect(await findAxeViolations(page), `${name} (${theme})`).toEqual([]);
      }
      await page.goto(`${base}/${longest(book).slug}.html`);
      await shot(page, `desktop-${theme}`);
      await context.close();
    });
  }
});

describe.runIf(hasChromium())('the site with run reports', () => {
  const report = (finishedAt: string, statuses: [string, string], change?: (id: string) => string | undefined) =>
    fixtureReport(fixture, finishedAt, statuses, change);

  it('shows a failed run distinctly, later chapters as not run with the date they last passed, and a changed step as not run since', async () => {
    const older = path.join(temporary, 'older.json');
    const newest = path.join(temporary, 'newest.json');
    writeFileSync(older, JSON.stringify(report('2026-11-20T02:00:00Z', ['passed', 'passed'])));
    writeFileSync(
      newest,
      JSON.stringify(report('2026-11-24T03:40:00Z', ['failed', 'not-run'], (id) => (id === '01-values-2' ? 'older-text' : undefined))),
    );
    const outDir = path.join(temporary, 'reported');
    await buildSite({ bookDir: fixture.dir, outDir, reports: [newest, older] });
    const served = await serveDirectory(outDir);
    servers.push(served);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${served.url}/01-values.html`);
    expect(await page.locator('.run-summary').textContent()).toContain('TOOL_VERSION');
    expect(await page.locator('.run-status').getAttribute('class')).toContain('run-changed');
    expect(await page.locator('#step-01-values-2 .step-stale').textContent()).toContain('Not run since it changed');
    await shot(page, 'report-changed');
    await page.goto(`${served.url}/02-cleaning.html`);
    const status = page.locator('.run-status');
    expect(await status.textContent()).toContain(
      'Not run in the last run (24 November 2026, 03:40 UTC): an earlier chapter failed. It last passed with this text on 20 November 2026.',
    );
    expect(await page.locator('.run-summary').count()).toBe(0);
    expect(await page.locator('body').textContent()).not.toContain('not-run');
    expect(await status.locator('a').getAttribute('href')).toBe('https://github.com/example/site/actions/runs/7');
    expect(await findAxeViolations(page)).toEqual([]);
    await shot(page, 'report-not-run');

    // A failed chapter whose steps are unchanged: styled as failed, not as passed.
    const failedOnly = path.join(temporary, 'failed.json');
    writeFileSync(failedOnly, JSON.stringify(report('2026-11-25T03:40:00Z', ['failed', 'not-run'])));
    const failedOut = path.join(temporary, 'reported-failed');
    await buildSite({ bookDir: fixture.dir, outDir: failedOut, reports: [failedOnly] });
    await page.goto(pathToFileURL(path.join(failedOut, '01-values.html')).href);
    const failed = page.locator('.run-status');
    expect(await failed.getAttribute('class')).toContain('run-failed');
    const [failedColour, passedColour] = await failed.evaluate((element) => [
      getComputedStyle(element).borderLeftColor,
      getComputedStyle(document.documentElement).getPropertyValue('--verify'),
    ]);
    expect(failedColour).not.toBe(passedColour);
    await shot(page, 'report-failed');
    await page.close();
  });
});
