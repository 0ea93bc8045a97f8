/** Each rule of `lab check` on the smallest book that shows it. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CommandStep } from '../../runner/book/types.js';
import { loadBook } from '../../runner/book/load-book.js';
import { checkLinks } from '../../runner/lint/check-links.js';
import { checkOutputs } from '../../runner/lint/check-outputs.js';
import { checkSecrets } from '../../runner/lint/check-secrets.js';
import { checkVariables } from '../../runner/lint/check-variables.js';

const fence = '```';

/** A book in a temporary folder: book.yaml extras and chapter texts. */
function book(chapters: string[], extra = '') {
  const root = mkdtempSync(path.join(tmpdir(), 'lab-rules-'));
  mkdirSync(path.join(root, 'docs'));
  const names = chapters.map((_, index) => `0${index + 1}-c.md`);
  writeFileSync(
    path.join(root, 'docs/book.yaml'),
    `title: T\nchapters: [${names.join(', ')}]\nhosts:\n  workers: [worker-0]\nvars:\n  KNOWN: x\n${extra}`,
  );
  chapters.forEach((text, index) => writeFileSync(path.join(root, 'docs', names[index]!), text));
  return loadBook(path.join(root, 'docs'));
}
const messages = (problems: { line: number; column: number; message: string }[]) =>
  problems.map((p) => `${p.line}:${p.column}: ${p.message.split(';')[0]}`);
const commands = (b: ReturnType<typeof book>) => b.chapters.flatMap((c) => c.steps).filter((s): s is CommandStep => s.kind !== 'file');

describe('checkVariables', () => {
  it("accepts book variables, captures, earlier workstation exports and the block's own", () => {
    const b = book([
      `${fence}sh {sh capture=CAUGHT}\necho x\n${fence}\n\n${fence}sh {sh}\nexport EXPORTED=1\n${fence}\n\n${fence}sh {sh on=worker-0}\nmine=1\necho "$KNOWN $CAUGHT $EXPORTED $mine $HOME"\n${fence}\n`,
    ]);
    expect(checkVariables(b)).toEqual([]);
  });

  it('reports a variable defined nowhere, at its line and column, once', () => {
    const b = book([`# C\n\n${fence}sh {sh}\necho ok\necho "$MISSING" $MISSING\n${fence}\n`]);
    expect(messages(checkVariables(b))).toEqual(['5:7: `$MISSING` is not defined before this step']);
  });

  it('does not carry an export made on a host to later steps', () => {
    const b = book([`${fence}sh {sh on=worker-0}\nexport ON_HOST=1\n${fence}\n\n${fence}sh {sh}\necho $ON_HOST\n${fence}\n`]);
    expect(messages(checkVariables(b))).toEqual(['6:6: `$ON_HOST` is not defined before this step']);
  });

  it('requires the definition to come first, in book order', () => {
    const b = book([`${fence}sh {sh}\necho $LATER\n${fence}\n`, `${fence}sh {sh capture=LATER}\necho x\n${fence}\n`]);
    expect(messages(checkVariables(b))).toEqual(['2:6: `$LATER` is not defined before this step']);
  });

  it('checks ${NAME} in file blocks, not $NAME', () => {
    const b = book([`${fence}yaml {file=/etc/x on=worker-0}\na: \${NOPE}\nb: $FINE\n${fence}\n`]);
    expect(messages(checkVariables(b))).toEqual(['2:4: `$NOPE` is not defined before this step']);
  });
});

describe('checkOutputs', () => {
  it('reports a ... with blanks around it, a near-miss wildcard, and an output that says nothing', () => {
    const b = book([
      `${fence}sh {sh}\necho\n${fence}\n\n${fence}text {output}\n ...\nv1.[...]\n${fence}\n\n${fence}sh {sh}\necho\n${fence}\n\n${fence}text {output}\n...\n${fence}\n`,
    ]);
    expect(messages(checkOutputs(commands(b)))).toEqual([
      '6:1: `...` stands for any lines only alone on its line, with nothing around it',
      '7:4: `[...]` is no wildcard',
      '14:1: This output block matches any output',
    ]);
  });
});

describe('checkSecrets', () => {
  it('wants a captured token or certificate key marked secret', () => {
    const b = book([
      `${fence}sh {kubeadm on=worker-0 capture=KEY}\nkubeadm certs certificate-key\n${fence}\n\n${fence}sh {sh capture=JOIN_TOKEN secret}\necho\n${fence}\n`,
    ]);
    expect(messages(checkSecrets(b, commands(b)))).toEqual([
      '1:1: This step captures KEY, a secret (a bootstrap token or certificate key)',
    ]);
  });

  it('forbids set -x in a step that uses a secret, and allows it elsewhere', () => {
    const b = book([
      `${fence}sh {sh capture=TOKEN secret}\necho t\n${fence}\n\n${fence}sh {sh}\nset -eux\necho "$TOKEN"\n${fence}\n\n${fence}sh {sh}\nset -x\necho fine\n${fence}\n`,
    ]);
    expect(messages(checkSecrets(b, commands(b)))).toEqual(['6:1: This step handles a secret']);
  });
});

describe('checkLinks', () => {
  it('checks files and anchors between pages, and ignores web links', () => {
    const b = book([
      '# One\n\n[two](02-c.md#second-part) [gone](02-c.md#nowhere) [web](https://example.com) [self](#one)\n',
      '# Two\n\n## Second part\n',
    ]);
    expect(messages(checkLinks(b))).toEqual(['3:28: The link to 02-c.md#nowhere names no heading of 02-c.md']);
  });
});
