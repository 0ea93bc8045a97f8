/**
 * Every copy button of the built site, clicked in Chromium with a reader's values set, and its
 * text pasted into bash in a sandbox: a file block writes exactly what the runner would write
 * (runner/execute/build-script.ts), and nothing in a file's content ever runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBook } from '../../runner/book/load-book.js';
import type { Book, Step } from '../../runner/book/types.js';
import { substituteFileVariables } from '../../runner/execute/build-script.js';
import { quoteForBash } from '../../runner/execute/shell-quote.js';
import { listSiteVariables } from '../../runner/site/book-variables.js';
import { buildSite } from '../../runner/site/build-site.js';
import { hasChromium, launchChromium, serveDirectory } from '../helpers/browser.js';
import { PROJECT_ROOT } from '../helpers/lab.js';

const temporary = mkdtempSync(path.join(tmpdir(), 'lab-site-copy-'));
let browser: Browser;
const servers: { close: () => Promise<void> }[] = [];

beforeAll(async () => {
  if (hasChromium()) browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await Promise.all(servers.map((server) => server.close()));
  rmSync(temporary, { recursive: true, force: true });
});

/** Builds the book's site and serves it; returns its address. */
async function serveBook(bookDir: string, name: string): Promise<string> {
  const outDir = path.join(temporary, name);
  await buildSite({ bookDir, outDir });
  const server = await serveDirectory(outDir);
  servers.push(server);
  return server.url;
}

/** A browser whose site storage holds the reader's values before any page script runs, as the form leaves them. */
async function contextWithValues(base: string, book: Book, values: Record<string, string>): Promise<BrowserContext> {
  const context = await browser.newContext();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  const secret = Object.fromEntries(listSiteVariables(book).map((variable) => [variable.name, variable.secret]));
  await context.addInitScript(
    ({ values, secret, title }) => {
      for (const [name, value] of Object.entries(values))
        (secret[name] ? sessionStorage : localStorage).setItem(`lab-value:${title}:${name}`, value);
    },
    { values, secret, title: book.title },
  );
  return context;
}

/** Clicks every copy button of every chapter and reads the clipboard: step id -> what was copied. */
async function readEveryCopy(context: BrowserContext, base: string, book: Book): Promise<Map<string, string>> {
  const copies = new Map<string, string>();
  const page = await context.newPage();
  for (const chapter of book.chapters) {
    await page.goto(`${base}/${chapter.slug}.html`);
    const figures = page.locator('figure.step');
    const count = await figures.count();
    for (let index = 0; index < count; index++) {
      const figure = figures.nth(index);
      await figure.locator('button.copy').click();
      const id = (await figure.getAttribute('id'))!.replace(/^step-/, '');
      copies.set(id, await page.evaluate(() => navigator.clipboard.readText()));
    }
  }
  await page.close();
  return copies;
}

interface Sandbox {
  home: string;
  root: string;
  work: string;
}

function makeSandbox(name: string): Sandbox {
  const dir = path.join(temporary, name);
  const sandbox = { home: path.join(dir, 'home'), root: path.join(dir, 'root'), work: path.join(dir, 'work') };
  for (const folder of Object.values(sandbox)) mkdirSync(folder, { recursive: true });
  return sandbox;
}

/**
 * Pastes text into bash as a reader would, in a sandbox: HOME is the sandbox's, `sudo` runs the
 * command as is, and `install` writes an absolute path outside HOME under the sandbox's root instead.
 */
function paste(text: string, sandbox: Sandbox, env: Record<string, string> = {}) {
  const prelude = [
    `export HOME=${quoteForBash(sandbox.home)}`,
    `ROOT=${quoteForBash(sandbox.root)}`,
    'sudo() { "$@"; }',
    'install() { local args=("$@") last=$(($# - 1)); case "${args[$last]}" in "$HOME"/*) ;; /*) args[$last]="$ROOT${args[$last]}" ;; esac; command install "${args[@]}"; }',
    `cd ${quoteForBash(sandbox.work)}`,
  ].join('\n');
  return spawnSync('bash', ['--noprofile', '--norc', '-s'], {
    input: `${prelude}\n${text}\n`,
    env: { PATH: process.env.PATH!, ...env },
    encoding: 'utf8',
  });
}

/** Every file under a folder, relative to it. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}

/** Where the sandboxed paste of a file block must have written it. */
function writtenPath(file: string, sandbox: Sandbox): string {
  return file.startsWith('~/') ? path.join(sandbox.home, file.slice(2)) : path.join(sandbox.root, file);
}

/** What the runner's variables would be: the book's values, then the reader's. */
function runnerVariables(book: Book, values: Record<string, string>): Map<string, string> {
  const vars = new Map(book.vars.map((definition) => [definition.name, definition.default]));
  for (const [name, value] of Object.entries(values)) vars.set(name, value);
  return vars;
}

/** Pastes every file block's copy into its own sandbox and compares the file with the runner's. */
function checkFileCopies(book: Book, copies: Map<string, string>, values: Record<string, string>): number {
  const vars = runnerVariables(book, values);
  const files = book.chapters
    .flatMap((chapter) => chapter.steps)
    .filter((step): step is Extract<Step, { kind: 'file' }> => step.kind === 'file');
  for (const step of files) {
    const sandbox = makeSandbox(`paste-${step.id}`);
    const result = paste(copies.get(step.id)!, sandbox);
    expect(result.stderr, step.id).toBe('');
    expect(result.status, step.id).toBe(0);
    const target = writtenPath(substituteFileVariables(step.path, vars), sandbox);
    expect(readFileSync(target, 'utf8'), step.id).toBe(substituteFileVariables(step.content, vars));
    expect((statSync(target).mode & 0o777).toString(8).padStart(4, '0'), step.id).toBe((step.mode ?? '0644').padStart(4, '0'));
    // Nothing else was written anywhere in the sandbox: no `$(touch x)` in the content ran.
    const all = [sandbox.home, sandbox.root, sandbox.work].flatMap((dir) => listFiles(dir).map((file) => path.join(dir, file)));
    expect(all, step.id).toEqual([target]);
  }
  return files.length;
}

const quoteSingle = (text: string) => `'${text.replace(/'/g, "'\\''")}'`;

/** A command copies as written, with the book's variables the reader has set put in (if a shell reads them as one word), others set first, quoted. */
function expectedCommand(book: Book, step: Exclude<Step, { kind: 'file' }>, values: Record<string, string>) {
  const names = new Set(listSiteVariables(book).map((variable) => variable.name));
  const vars = runnerVariables(book, values);
  const assigned = new Set<string>();
  const script = step.script.trimEnd().replace(/(\\?)\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, escape: string, name: string) => {
    const value = vars.get(name);
    if (escape || !names.has(name) || !value) return whole;
    if (/^[A-Za-z0-9._:/@%+=,-]+$/.test(value)) return value;
    assigned.add(name);
    return whole;
  });
  const prefix = [...assigned].map((name) => `${name}=${quoteSingle(vars.get(name)!)}\n`).join('');
  return { prefix, assigned: [...assigned], text: prefix + (step.capture ? `${step.capture}=$(\n${script}\n)` : script) };
}

/** Checks every command's copy; returns how many commands, and how many values were set before one. */
function checkCommandCopies(
  book: Book,
  copies: Map<string, string>,
  values: Record<string, string>,
): { commands: number; assignments: number } {
  let assignments = 0;
  const commands = book.chapters
    .flatMap((chapter) => chapter.steps)
    .filter((step): step is Exclude<Step, { kind: 'file' }> => step.kind !== 'file');
  for (const step of commands) {
    const copy = copies.get(step.id)!;
    const expected = expectedCommand(book, step, values);
    expect(copy, step.id).toBe(expected.text);
    const syntax = spawnSync('bash', ['-n'], { input: copy, encoding: 'utf8' });
    expect(syntax.stderr, step.id).toBe('');
    // The values set first arrive in the shell exactly, and nothing in them runs.
    const vars = runnerVariables(book, values);
    for (const name of expected.assigned) {
      assignments++;
      const sandbox = makeSandbox(`assign-${step.id}-${name}`);
      const pasted = paste(`${copy.slice(0, expected.prefix.length)}printf '%s' "\${${name}}"`, sandbox);
      expect(pasted.stdout, `${step.id} ${name}`).toBe(vars.get(name));
      expect([sandbox.home, sandbox.root, sandbox.work].flatMap(listFiles), step.id).toEqual([]);
    }
  }
  return { commands: commands.length, assignments };
}

/** A value no shell may read as code: quotes, `$(`, backticks and several lines. */
const HOSTILE = `-----BEGIN SOMETHING-----\nit's "here" $(touch pwned) \`touch pwned2\` \${PREFIX} %s\n-----END SOMETHING-----`;

describe.runIf(hasChromium())('copy texts pasted into bash', () => {
  it('write exactly what the runner writes for every file block of the book, and run nothing in them', async () => {
    const book = loadBook(path.join(PROJECT_ROOT, 'docs'));
    const base = await serveBook(book.dir, 'book');
    // What a reader enters: their project, region and zone, and every captured value (some are keys and certificates).
    const values: Record<string, string> = {};
    for (const variable of listSiteVariables(book)) {
      if (variable.capturedBy) values[variable.name] = variable.name.endsWith('TOKEN') ? 'abcdef.0123456789abcdef' : HOSTILE;
      else if (variable.default === '') values[variable.name] = `reader-${variable.name.toLowerCase().replace(/_/g, '-')}`;
    }
    const context = await contextWithValues(base, book, values);
    const copies = await readEveryCopy(context, base, book);
    await context.close();
    const steps = book.chapters.flatMap((chapter) => chapter.steps);
    expect([...copies.keys()].sort()).toEqual(steps.map((step) => step.id).sort());
    expect(checkFileCopies(book, copies, values)).toBeGreaterThan(0);
    expect(checkCommandCopies(book, copies, values).commands).toBeGreaterThan(0);
  });

  it("write the fixture's hostile file byte for byte, values from the form, an escaped \\${NAME} as written", async () => {
    const book = loadBook(path.join(PROJECT_ROOT, 'test/fixtures/site-book/docs'));
    const base = await serveBook(book.dir, 'fixture');
    const values = { TOKEN: HOSTILE, PROJECT_ID: 'reader-project' };
    const context = await contextWithValues(base, book, values);
    const copies = await readEveryCopy(context, base, book);
    await context.close();
    expect(checkFileCopies(book, copies, values)).toBe(3);
    // The check on the node reads the captured value: the copy sets it first, quoted.
    expect(checkCommandCopies(book, copies, values)).toEqual({ commands: 5, assignments: 1 });
    expect(copies.get('01-values-1')).toBe("TOKEN=$(\nprintf 'tok-%s' abc\n)");
  });

  it('refuse to write a file whose variable is not set, and take it from the shell when it is there', async () => {
    const book = loadBook(path.join(PROJECT_ROOT, 'test/fixtures/site-book/docs'));
    const base = await serveBook(book.dir, 'fixture-unset');
    const context = await contextWithValues(base, book, {});
    const copies = await readEveryCopy(context, base, book);
    await context.close();
    const nasty = book.chapters[0]!.steps.find((step) => step.kind === 'file' && step.path === '/etc/lab/nasty.conf') as Extract<
      Step,
      { kind: 'file' }
    >;
    const refused = makeSandbox('unset-refused');
    const result = paste(copies.get(nasty.id)!, refused);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('TOKEN: is not set: enter it in Your values on the site, or set it in this shell');
    expect(listFiles(refused.root)).toEqual([]);

    const fromShell = makeSandbox('unset-from-shell');
    expect(paste(`TOKEN=${quoteForBash(HOSTILE)}\n${copies.get(nasty.id)!}`, fromShell).status).toBe(0);
    const vars = runnerVariables(book, { TOKEN: HOSTILE });
    expect(readFileSync(path.join(fromShell.root, 'etc/lab/nasty.conf'), 'utf8')).toBe(substituteFileVariables(nasty.content, vars));
    expect(listFiles(fromShell.work)).toEqual([]);
  });
});
