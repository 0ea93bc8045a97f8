import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBook } from '../../runner/book/load-book.js';
import { buildSite } from '../../runner/site/build-site.js';
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
});
