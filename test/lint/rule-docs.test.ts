/**
 * Every rule's doc is true: its bad example yields exactly the findings the doc lists, at their
 * positions and with their ids, and its good example yields nothing.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lintBook, RULES } from '../../runner/lint/lint-book.js';
import type { Rule, RuleExample } from '../../runner/lint/rule.js';

const roots: string[] = [];
// Every example asks its tools afresh: no verdict kept from an earlier run.
const cache = mkdtempSync(path.join(tmpdir(), 'lab-rule-cache-'));
const savedCache = process.env.XDG_CACHE_HOME;
beforeAll(() => {
  process.env.XDG_CACHE_HOME = cache;
});
afterAll(() => {
  if (savedCache === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = savedCache;
  [...roots, cache].forEach((root) => rmSync(root, { recursive: true, force: true }));
});

/** Writes the example's book to a new folder and lints it with `rule` alone. */
async function findings(rule: Rule, example: RuleExample): Promise<string[]> {
  const root = mkdtempSync(path.join(tmpdir(), `lab-rule-${rule.name}-`));
  roots.push(root);
  mkdirSync(path.join(root, 'docs'));
  writeFileSync(
    path.join(root, 'docs/book.yaml'),
    `title: Example\nchapters: [01-example.md]\nhosts:\n  controllers: [controller-0]\n  workers: [worker-0]\n${example.bookYaml ?? ''}`,
  );
  writeFileSync(path.join(root, 'docs/01-example.md'), example.chapter);
  for (const [file, text] of Object.entries(example.files ?? {})) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  // Online: the upstream rule's examples build local kustomizations (what cannot be fetched is skipped).
  const result = await lintBook(path.join(root, 'docs'), { rules: [rule], online: true });
  const chapter = path.join(root, 'docs/01-example.md');
  return result.problems.map((problem) =>
    problem.file === chapter
      ? `${problem.line}:${problem.column} ${problem.rule}`
      : `${path.relative(root, problem.file)}:${problem.line}:${problem.column} ${problem.rule}`,
  );
}

describe.each(RULES.map((rule) => [rule.name, rule] as const))('the %s rule', (_name, rule) => {
  it('finds in its bad example exactly what its doc says', async () => {
    expect(await findings(rule, rule.doc.bad)).toEqual(rule.doc.bad.findings);
  });

  it('finds nothing in its good example', async () => {
    expect(await findings(rule, rule.doc.good)).toEqual([]);
  });
});
