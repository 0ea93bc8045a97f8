/**
 * The build's worker thread (dist/site-worker.mjs): highlights code blocks while the main thread
 * parses the next pages. Each message is one page's blocks; the answer carries its id back.
 */
import type { Element } from 'hast';
import { parentPort } from 'node:worker_threads';
import { highlightBlocks } from './highlight-code.js';

export interface HighlightRequest {
  id: number;
  blocks: Element[];
  variableNames: string[];
}

export type HighlightAnswer = { id: number; html: string[] } | { id: number; error: string };

// Shiki loads at once, while the main thread reads the book.
void highlightBlocks([], []);
parentPort!.on('message', ({ id, blocks, variableNames }: HighlightRequest) => {
  highlightBlocks(blocks, variableNames).then(
    (html) => parentPort!.postMessage({ id, html } satisfies HighlightAnswer),
    (error: unknown) => parentPort!.postMessage({ id, error: (error as Error)?.stack ?? String(error) } satisfies HighlightAnswer),
  );
});
