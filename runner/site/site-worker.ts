/**
 * The build's worker thread (dist/site-worker.mjs): highlights code blocks while the main thread
 * parses the next pages. Each message is one page's blocks; the answer carries its id back.
 *
 * Until then it highlights the book's code blocks as a quick scan of the chapters finds them, each
 * with the variables it refers to: the main thread takes a few hundred milliseconds to parse the
 * book before it sends a page, and highlightBlocks keeps each block's HTML by all it was made
 * from, so a block the page sends as the scan found it is answered at once, and the HTML is the
 * same either way (a block the scan misread is simply highlighted when it comes).
 */
import type { Element } from 'hast';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setImmediate as yieldToMessages } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { highlightBlocks } from './highlight-code.js';
import { VARIABLE_REFERENCE } from './values-form.js';

/** What the worker is started with: the book's folder, whose chapters it scans for code. */
export interface WorkerStart {
  bookDir?: string;
}

export interface HighlightRequest {
  id: number;
  blocks: Element[];
  variableNames: string[];
}

export type HighlightAnswer = { id: number; html: string[] } | { id: number; error: string };

void warmUp((workerData as WorkerStart | undefined)?.bookDir);
parentPort!.on('message', ({ id, blocks, variableNames }: HighlightRequest) => {
  highlightBlocks(blocks, variableNames).then(
    (html) => parentPort!.postMessage({ id, html } satisfies HighlightAnswer),
    (error: unknown) => parentPort!.postMessage({ id, error: (error as Error)?.stack ?? String(error) } satisfies HighlightAnswer),
  );
});

/** A fence's info string and its lines, found without a Markdown parser: only the warm-up reads them. */
const FENCE = /^ {0,3}(`{3,}|~{3,})[ \t]*([^\s`{]*)[ \t]*([^\n`]*)\n([\s\S]*?)^ {0,3}\1[ \t]*$/gm;

async function warmUp(bookDir: string | undefined): Promise<void> {
  await highlightBlocks([], []); // Shiki loads at once, while the main thread reads the book.
  if (!bookDir) return;
  let fences: RegExpMatchArray[];
  try {
    fences = readdirSync(bookDir)
      .filter((name) => name.endsWith('.md'))
      .flatMap((name) => [...readFileSync(path.join(bookDir, name), 'utf8').matchAll(FENCE)]);
  } catch {
    return; // The build itself reports a book it cannot read.
  }
  // One block at a time: a page that arrives meanwhile waits for one block at most.
  for (const [, , lang, meta, code] of fences) {
    // The book's variables are upper case, a step's own shell variables most often not: a guess,
    // which only decides whether the page's block is found done.
    const names = [...code!.matchAll(VARIABLE_REFERENCE)].map((match) => match[2]!).filter((name) => /^[A-Z][A-Z0-9_]*$/.test(name));
    await highlightBlocks([codeBlock(lang!, meta!.trim(), code!)], names);
    await yieldToMessages();
  }
}

function codeBlock(lang: string, meta: string, code: string): Element {
  const className = lang ? [`language-${lang}`] : [];
  return {
    type: 'element',
    tagName: 'pre',
    properties: {},
    children: [
      {
        type: 'element',
        tagName: 'code',
        properties: { className },
        data: { meta: meta || undefined },
        children: [{ type: 'text', value: code }],
      } as Element,
    ],
  };
}
