/** renovate.json: each custom manager finds exactly one pin of docs/book.yaml, the value the book holds. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PROJECT_ROOT } from './helpers/lab.js';

interface Manager {
  managerFilePatterns: string[];
  matchStrings: string[];
  depNameTemplate: string;
}
const config = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'renovate.json'), 'utf8')) as { customManagers: Manager[] };
const book = readFileSync(path.join(PROJECT_ROOT, 'docs/book.yaml'), 'utf8');
const vars = (parse(book) as { vars: Record<string, unknown> }).vars;

describe('renovate.json', () => {
  it.each(config.customManagers.map((manager) => [manager.depNameTemplate, manager] as const))(
    'finds the pin of %s in docs/book.yaml exactly once, as the book holds it',
    (_name, manager) => {
      expect(manager.managerFilePatterns).toEqual(['/^docs/book\\.yaml$/']);
      for (const source of manager.matchStrings) {
        const matches = [...book.matchAll(new RegExp(source, 'g'))];
        expect(matches).toHaveLength(1);
        const { currentValue, currentDigest } = matches[0]!.groups!;
        const name = /\n {2}([A-Z_]+):/.exec(matches[0]![0])![1]!;
        expect(String(vars[name])).toBe(currentValue ?? currentDigest);
      }
    },
  );

  it('covers every pinned version and commit of book.yaml', () => {
    const pinned = Object.keys(vars).filter((name) => /_(VERSION|COMMIT)$/.test(name));
    const covered = config.customManagers.flatMap((manager) => manager.matchStrings.map((source) => /\\n {2}([A-Z_]+):/.exec(source)![1]));
    expect(covered.sort()).toEqual(pinned.sort());
  });
});
