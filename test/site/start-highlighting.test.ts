import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Element } from 'hast';
import { describe, expect, it } from 'vitest';
import { buildSite } from '../../runner/site/build-site.js';
import { highlightBlocks } from '../../runner/site/highlight-code.js';
import { startHighlighting, startWorker } from '../../runner/site/start-highlighting.js';
import { LAB_BIN, PROJECT_ROOT } from '../helpers/lab.js';

/** The built worker (test/helpers/build-once.ts bundles the CLI before the tests). */
const WORKER = path.join(PROJECT_ROOT, 'dist/site-worker.mjs');

const block = (lang: string, code: string): Element => ({
  type: 'element',
  tagName: 'pre',
  properties: {},
  children: [
    { type: 'element', tagName: 'code', properties: { className: [`language-${lang}`] }, children: [{ type: 'text', value: code }] },
  ],
});

const blocks = () => [
  block('sh', 'echo "${PREFIX}-nodes" | tee /tmp/x\n'),
  block('yaml', 'token: ${BOOTSTRAP_TOKEN}\nkind: InitConfiguration\n'),
  block('nonesuch', 'plain text'),
];

describe('startHighlighting', () => {
  it('highlights in the worker thread exactly as in this thread, variables marked, each page answered in order', async () => {
    const here = await highlightBlocks(blocks(), ['PREFIX', 'BOOTSTRAP_TOKEN']);
    expect(here[0]).toContain('<span class="var" data-var="PREFIX">');
    expect(here[0]).toContain('tabindex="0"');
    const worker = startWorker(WORKER);
    try {
      const [first, second] = await Promise.all([
        worker.highlight(blocks(), ['PREFIX', 'BOOTSTRAP_TOKEN']),
        worker.highlight([block('json', '{"a": 1}')], []),
      ]);
      expect(first).toEqual(here);
      expect(second).toEqual(await highlightBlocks([block('json', '{"a": 1}')], []));
    } finally {
      await worker.close();
    }
  });

  it('answers a page from what it highlighted while the book was read, exactly as a fresh highlight would', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lab-worker-warm-'));
    const code = 'gcloud compute networks create "${PREFIX}-net" --project "${PROJECT_ID}" # ${local}\n';
    writeFileSync(path.join(dir, '01-network.md'), `# Network\n\n\`\`\`sh {gcloud}\n${code}\`\`\`\n`);
    const page = () => {
      const pre = block('sh', code);
      (pre.children[0] as Element).data = { meta: '{gcloud}' } as Element['data'];
      return [pre];
    };
    const worker = startWorker(WORKER, { bookDir: dir });
    try {
      const fresh = await highlightBlocks(page(), ['PREFIX', 'PROJECT_ID']);
      expect(fresh[0]).toContain('data-var="PROJECT_ID"');
      expect(fresh[0]).not.toContain('data-var="local"');
      expect(await worker.highlight(page(), ['PREFIX', 'PROJECT_ID'])).toEqual(fresh);
      // The same text with other book variables is another block: no answer kept for the first.
      const fewer = await worker.highlight(page(), ['PREFIX']);
      expect(fewer[0]).not.toContain('data-var="PROJECT_ID"');
      expect(fewer).toEqual(await highlightBlocks(page(), ['PREFIX']));
    } finally {
      await worker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails every waiting page with a clear error when the worker thread cannot start, and never hangs', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lab-worker-'));
    try {
      const broken = path.join(dir, 'site-worker.mjs');
      writeFileSync(broken, "throw new Error('worker bundle is broken');\n");
      const worker = startWorker(broken);
      await expect(worker.highlight(blocks(), [])).rejects.toThrow('worker bundle is broken');
      await expect(worker.highlight(blocks(), [])).rejects.toThrow('worker bundle is broken');
      await worker.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('highlights in this thread when run from the sources, where no built worker sits beside the code', async () => {
    const highlighting = startHighlighting({ inWorker: true });
    expect(await highlighting.highlight([block('sh', 'ls')], [])).toEqual(await highlightBlocks([block('sh', 'ls')], []));
    await highlighting.close();
  });
});

describe('lab build with its worker thread', () => {
  it('writes the same site as the sources write in one thread', async () => {
    const bookDir = path.join(PROJECT_ROOT, 'test/fixtures/fleet/docs');
    const dir = mkdtempSync(path.join(tmpdir(), 'lab-site-worker-'));
    try {
      execFileSync(process.execPath, [LAB_BIN, 'build', '--book', bookDir, '--out', path.join(dir, 'cli')], { stdio: 'ignore' });
      await buildSite({ bookDir, outDir: path.join(dir, 'sources') });
      const files = readdirSync(path.join(dir, 'sources'), { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => path.relative(path.join(dir, 'sources'), path.join(entry.parentPath, entry.name)))
        .sort();
      expect(files.length).toBeGreaterThan(5);
      expect(files.some((file) => readFileSync(path.join(dir, 'cli', file), 'utf8').includes('class="shiki'))).toBe(true);
      for (const file of files) {
        // The search script carries its term functions as the running code spells them (bundled or not).
        const read = (site: string) => {
          const text = readFileSync(path.join(dir, site, file), 'utf8');
          return file.endsWith('search-index.js') ? text.slice(text.indexOf(', index: ')) : text;
        };
        expect(read('cli'), file).toBe(read('sources'));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
