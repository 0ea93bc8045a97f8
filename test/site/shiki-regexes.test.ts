import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHighlighterCore } from 'shiki/core';
import { createJavaScriptRegexEngine } from 'shiki/engine/javascript';
import { EmulatedRegExp } from 'oniguruma-to-es';
import { describe, expect, it } from 'vitest';
import { loadBook } from '../../runner/book/load-book.js';
import { loadLanguages } from '../../runner/site/languages.js';
import { convertPattern, readRegexTable, regexConstructorFrom, writeRegexTable, type RegexTable } from '../../runner/site/shiki-regexes.js';
import { PROJECT_ROOT } from '../helpers/lab.js';

/** The table as build-cli.mjs makes it, in a temporary folder. */
async function makeTable(): Promise<RegexTable> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lab-regexes-'));
  try {
    await writeRegexTable(path.join(dir, 'table.json'), 'test');
    return readRegexTable(path.join(dir, 'table.json'))!;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const describeRegex = (regex: RegExp) => ({
  kind: regex instanceof EmulatedRegExp ? 'EmulatedRegExp' : 'RegExp',
  source: regex.source,
  flags: regex.flags,
  options: (regex as { rawOptions?: unknown }).rawOptions,
});

describe('the regex table', () => {
  it('makes every RegExp exactly as Shiki would convert its pattern, emulated ones included', async () => {
    const table = await makeTable();
    const patterns = Object.keys(table.regexes);
    expect(patterns.length).toBeGreaterThan(200);
    const fromTable = regexConstructorFrom(table);
    const kinds = new Set<string>();
    for (const pattern of patterns) {
      const made = fromTable(pattern);
      kinds.add(describeRegex(made).kind);
      expect(describeRegex(made), pattern).toEqual(describeRegex(convertPattern(pattern)));
    }
    expect([...kinds].sort()).toEqual(['EmulatedRegExp', 'RegExp']);
  });

  it("holds every pattern that highlighting the real book's steps asks for", async () => {
    const table = await makeTable();
    const asked = new Set<string>();
    const highlighter = await createHighlighterCore({
      themes: [import('shiki/themes/github-light-default.mjs')],
      langs: [loadLanguages()],
      engine: createJavaScriptRegexEngine({
        regexConstructor: (pattern) => {
          asked.add(pattern);
          return convertPattern(pattern);
        },
      }),
    });
    const book = loadBook(path.join(PROJECT_ROOT, 'docs'));
    const blocks = book.chapters.flatMap((chapter) =>
      chapter.steps.map((step) => ({ code: step.kind === 'file' ? step.content : step.script, lang: step.lang })),
    );
    expect(blocks.length).toBeGreaterThan(100);
    for (const { code, lang } of blocks) {
      highlighter.codeToTokensBase(code, {
        lang: highlighter.getLoadedLanguages().includes(lang) ? lang : 'text',
        theme: 'github-light-default',
      });
    }
    const missing = [...asked].filter((pattern) => !Object.hasOwn(table.regexes, pattern));
    expect(asked.size).toBeGreaterThan(100);
    // Only an end pattern made from what its begin matched (a heredoc's delimiter) could be missing; the book has none.
    expect(missing).toEqual([]);
  });

  it('is not used when another V8 made it, whose RegExp target may differ', async () => {
    const table = await makeTable();
    const pattern = Object.keys(table.regexes)[0]!;
    table.regexes[pattern] = { source: 'planted', flags: 'g' };
    expect(regexConstructorFrom(table)(pattern).source).toBe('planted');
    expect(regexConstructorFrom({ ...table, v8: 'another' })(pattern).source).toBe(convertPattern(pattern).source);
    expect(readRegexTable(path.join(tmpdir(), 'no-such-table.json'))).toBeUndefined();
  });
});
