import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBook } from '../../runner/book/load-book.js';
import { buildSite } from '../../runner/site/build-site.js';
import { startPageParsing } from '../../runner/site/parse-page.js';
import { PROJECT_ROOT } from '../helpers/lab.js';

describe("the site's one parse of each page", () => {
  it('gives the book loader the same book from the real chapters as its own CommonMark parse', () => {
    const dir = path.join(PROJECT_ROOT, 'docs');
    const parsing = startPageParsing();
    expect(loadBook(dir, { parse: parsing.parse })).toEqual(loadBook(dir));
    // Each page's tree is kept for its rendering, once.
    const first = loadBook(dir).chapters[0]!.file;
    expect(parsing.take(first)?.type).toBe('root');
    expect(parsing.take(first)).toBeUndefined();
  });

  it('lets the loader parse a page with CommonMark where a footnote or a directive could hold a fence CommonMark reads as text', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'lab-parse-page-'));
    const dir = path.join(root, 'docs');
    try {
      cpSync(path.join(PROJECT_ROOT, 'test/fixtures/site-book'), root, { recursive: true });
      const chapter = path.join(dir, '01-values.md');
      // In GFM the indented fence belongs to the footnote and is a block; in CommonMark it continues the paragraph.
      const footnote = [
        '',
        'A claim.[^why]',
        '',
        '[^why]: Because:',
        '    ```sh {sh on=node-0 id=in-footnote}',
        '    echo from a footnote',
        '    ```',
        '',
      ];
      writeFileSync(chapter, readFileSync(chapter, 'utf8') + footnote.join('\n'));
      const commonMark = loadBook(dir);
      expect(commonMark.chapters[0]!.steps.map((step) => step.id)).not.toContain('in-footnote');
      // What the site's own tree alone would have made of it: a step `lab run` never runs.
      const gfmOnly = loadBook(dir, { parse: parseWithoutGuard });
      expect(gfmOnly.chapters[0]!.steps.map((step) => step.id)).toContain('in-footnote');
      expect(loadBook(dir, { parse: startPageParsing().parse })).toEqual(commonMark);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('renders a whole build from the shared parse exactly as a page rebuilt alone from its own', async () => {
    const bookDir = path.join(PROJECT_ROOT, 'test/fixtures/site-book/docs');
    const dir = mkdtempSync(path.join(tmpdir(), 'lab-parse-page-'));
    try {
      await buildSite({ bookDir, outDir: path.join(dir, 'whole') });
      await buildSite({ bookDir, outDir: path.join(dir, 'alone') });
      const chapter = loadBook(bookDir).chapters[0]!;
      await buildSite({ bookDir, outDir: path.join(dir, 'alone'), only: chapter.file });
      const page = (site: string) => readFileSync(path.join(dir, site, `${chapter.slug}.html`), 'utf8');
      expect(page('alone')).toBe(page('whole'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The site's syntax with no fallback, to show what the guard prevents. */
function parseWithoutGuard(source: string, file: string) {
  const parsing = startPageParsing();
  parsing.parse(source, file);
  return parsing.take(file)!;
}
