/** kubectl commands judged by the real kubectl, which never gets to run anything a book names. */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { kubectlRule, findKubectl } from '../../runner/lint/check-kubectl.js';
import { lintBook } from '../../runner/lint/lint-book.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe.runIf(findKubectl())('the kubectl rule', () => {
  it('runs no kubectl plugin a command names, and calls the command unknown', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'lab-kubectl-plugin-'));
    dirs.push(root);
    const bin = path.join(root, 'bin');
    mkdirSync(bin);
    const proof = path.join(root, 'plugin-ran');
    writeFileSync(path.join(bin, 'kubectl-pwn'), `#!/bin/sh\ntouch ${proof}\n`);
    chmodSync(path.join(bin, 'kubectl-pwn'), 0o755);
    mkdirSync(path.join(root, 'docs'));
    writeFileSync(path.join(root, 'docs/book.yaml'), 'title: T\nchapters: [01-c.md]\n');
    writeFileSync(path.join(root, 'docs/01-c.md'), '```sh {kubectl}\nkubectl pwn now\n```\n');
    const saved = { PATH: process.env.PATH, XDG_CACHE_HOME: process.env.XDG_CACHE_HOME };
    process.env.PATH = `${bin}:${process.env.PATH}`;
    process.env.XDG_CACHE_HOME = path.join(root, 'cache');
    try {
      const { problems } = await lintBook(path.join(root, 'docs'), { rules: [kubectlRule] });
      expect(problems.map((p) => `${p.line}:${p.column} ${p.rule}: ${p.message.replace(/^kubectl \S+ says: /, '')}`)).toEqual([
        '2:1 kubectl-command: unknown command "pwn" for "kubectl"',
      ]);
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.XDG_CACHE_HOME === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = saved.XDG_CACHE_HOME;
    }
    expect(existsSync(proof)).toBe(false);
  });
});
