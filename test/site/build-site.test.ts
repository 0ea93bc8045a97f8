import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBook } from '../../runner/book/load-book.js';
import { buildSite } from '../../runner/site/build-site.js';
import { formatDay } from '../../runner/site/format-date.js';
import { PROJECT_ROOT } from '../helpers/lab.js';

describe('buildSite', () => {
  it("puts no secret variable's value from book.yaml in any file of the site", async () => {
    const bookDir = path.join(PROJECT_ROOT, 'test/fixtures/workstation/docs');
    const secrets = loadBook(bookDir).vars.filter((variable) => variable.secret && variable.default !== '');
    expect(secrets.length).toBeGreaterThan(0);
    const outDir = mkdtempSync(path.join(tmpdir(), 'lab-site-secret-'));
    try {
      await buildSite({ bookDir, outDir });
      const files = readdirSync(outDir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
      expect(files.length).toBeGreaterThan(5);
      for (const file of files) {
        const text = readFileSync(path.join(file.parentPath, file.name), 'utf8');
        for (const secret of secrets) expect(text, file.name).not.toContain(secret.default);
      }
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });

  it('dates each page by the last commit that changed it', async () => {
    const bookDir = path.join(PROJECT_ROOT, 'test/fixtures/fleet/docs');
    const outDir = mkdtempSync(path.join(tmpdir(), 'lab-site-dates-'));
    try {
      await buildSite({ bookDir, outDir });
      for (const chapter of loadBook(bookDir).chapters) {
        const date = execFileSync('git', ['log', '-1', '--format=%cI', '--', chapter.file], { cwd: bookDir, encoding: 'utf8' }).trim();
        expect(readFileSync(path.join(outDir, `${chapter.slug}.html`), 'utf8')).toContain(`Last updated ${formatDay(date)}`);
      }
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});
