/** --format and --filter through gcloud's own parsers, and the filter terms that mean more than they say. */
import { describe, expect, it } from 'vitest';
import { findFilterSurprises } from '../../runner/lint/check-gcloud-expressions.js';
import { lintBook } from '../../runner/lint/lint-book.js';
import { gcloudExpressionsRule } from '../../runner/lint/check-gcloud-expressions.js';
import { findGcloudRoot } from '../../runner/lint/gcloud-tree.js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

describe('findFilterSurprises', () => {
  it('names an = whose value has a dash and an unanchored regex, and leaves plain terms alone', () => {
    expect(findFilterSurprises('labels.lab=kubeadm-lab AND name ~ -controller-').map((text) => text.split(' ')[0])).toEqual([
      '`labels.lab=kubeadm-lab`',
      '`name',
    ]);
    expect(findFilterSurprises('status=RUNNING AND name ~ ^lab-controller- AND zone:us-central1-a')).toEqual([]);
    expect(findFilterSurprises('name ~ \\blab\\b')).toEqual([]);
    expect(findFilterSurprises('network ~ /networks/kubeadm-lab-net$ AND name ~ kubeadm-lab-net')).toHaveLength(1);
  });

  it('names a value that an unquoted ( ends, and leaves a quoted one alone', () => {
    expect(findFilterSurprises('name ~ ^lab-(controller|worker)-[0-9]$')).toEqual([
      "`name ~ ^lab-(...` ends its value at the unquoted `(`: gcloud compares with `^lab-` and reads the rest as more terms; quote the value (`name ~ '^lab-(...'`)",
    ]);
    expect(findFilterSurprises("name ~ '^lab-(controller|worker)-[0-9]$'")).toEqual([]);
  });
});

describe.runIf(findGcloudRoot())('gcloud-expressions on a book', () => {
  it('reports a filter gcloud cannot parse, at the word that holds it', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'lab-gcloud-expressions-'));
    try {
      mkdirSync(path.join(root, 'docs'));
      writeFileSync(path.join(root, 'docs/book.yaml'), 'title: T\nchapters: [01-c.md]\n');
      writeFileSync(
        path.join(root, 'docs/01-c.md'),
        '```sh {gcloud}\ngcloud compute instances list --filter="status=(" --format "table(name, status)"\n```\n',
      );
      const { problems } = await lintBook(path.join(root, 'docs'), { rules: [gcloudExpressionsRule] });
      expect(problems.map((p) => `${p.line}:${p.column} ${p.rule}: ${p.message}`)).toEqual([
        '2:31 gcloud-filter: gcloud rejects this --filter (as `gcloud config list --filter` would): More tokens expected [status=( *HERE*].',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('expandWord', () => {
  it('reads a shell word as bash passes it: quotes removed, book variables put in, \\b kept inside double quotes', async () => {
    const { expandWord } = await import('../../runner/lint/shell-sources.js');
    const values = new Map([['PREFIX', 'lab']]);
    expect(expandWord(`"name ~ '^\${PREFIX}\\$' AND x ~ \\blab\\b"`, values)).toEqual({
      text: "name ~ '^lab$' AND x ~ \\blab\\b",
      unknown: [],
    });
    expect(expandWord(`'\${PREFIX}'-\${OTHER}-$(date)`, values, '?')).toEqual({ text: '${PREFIX}-?-?', unknown: ['$OTHER', '$(date)'] });
  });
});
