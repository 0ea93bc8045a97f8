import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadBook } from '../../runner/book/load-book.js';
import { loadBookCached } from '../../runner/book/load-book-cached.js';
import { BookError } from '../../runner/book/problems.js';
import { PROJECT_ROOT } from '../helpers/lab.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function copyBook() {
  const dir = mkdtempSync(path.join(tmpdir(), 'lab-cached-'));
  cpSync(path.join(PROJECT_ROOT, 'test/fixtures/fleet'), dir, { recursive: true });
  const cache = mkdtempSync(path.join(tmpdir(), 'lab-cache-'));
  made.push(dir, cache);
  return { docs: path.join(dir, 'docs'), root: dir, cache };
}

describe('loadBookCached', () => {
  it('gives the same book as loadBook, from the cache the second time', async () => {
    const { docs, cache } = copyBook();
    const fresh = loadBook(docs);
    expect(await loadBookCached(docs, cache)).toEqual(fresh);
    expect(await loadBookCached(docs, cache)).toEqual(fresh);
  });

  it('reads a chapter again when it changed, and an include when it changed', async () => {
    const { docs, root, cache } = copyBook();
    await loadBookCached(docs, cache);
    const chapter = path.join(docs, '01-fleet.md');
    writeFileSync(chapter, readFileSync(chapter, 'utf8').replace('id=join', 'id=joined'));
    expect((await loadBookCached(docs, cache)).chapters[0]!.steps.map((step) => step.id)).toContain('joined');
    const snippet = path.join(root, 'snippets/kubeadm/join.yaml');
    writeFileSync(snippet, readFileSync(snippet, 'utf8').replace('JoinConfiguration', 'JoinConfiguration # changed'));
    const step = (await loadBookCached(docs, cache)).chapters[0]!.steps.find((candidate) => candidate.kind === 'file');
    expect(step?.kind === 'file' && step.content).toContain('# changed');
  });

  it('does not cache a book with problems', async () => {
    const { docs, cache } = copyBook();
    writeFileSync(path.join(docs, '02-cleanup.md'), '# Cleanup\n\n```sh {shel}\n```\n');
    await expect(loadBookCached(docs, cache)).rejects.toBeInstanceOf(BookError);
    await expect(loadBookCached(docs, cache)).rejects.toBeInstanceOf(BookError);
  });

  it('ignores a cache entry others could have written, and writes none into a folder others can write', async () => {
    const { docs, cache } = copyBook();
    const fresh = loadBook(docs);
    await loadBookCached(docs, cache);
    const [entry] = readdirSync(cache);
    const file = path.join(cache, entry!);
    // A forged entry: the same stamps, another command.
    const forged = readFileSync(file, 'utf8').replace(/"script":"[^"]*"/, '"script":"echo forged"');
    expect(forged).toContain('echo forged');
    writeFileSync(file, forged);
    chmodSync(file, 0o666);
    expect(await loadBookCached(docs, cache)).toEqual(fresh);
    rmSync(file);
    chmodSync(cache, 0o777);
    await loadBookCached(docs, cache);
    expect(readdirSync(cache)).toEqual([]);
  });
});
