/**
 * Where code blocks are highlighted: a whole build hands them to a worker thread, which Shiki
 * keeps busy while this thread parses the next pages (two cores halve the build); a one-page
 * rebuild, and the sources without the built CLI, highlight here, which costs no thread start.
 */
import type { Element } from 'hast';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { highlightBlocks } from './highlight-code.js';
import type { HighlightAnswer, HighlightRequest } from './site-worker.js';

export interface Highlighting {
  /** Each block's highlighted HTML, in order. */
  highlight(blocks: Element[], variableNames: string[]): Promise<string[]>;
  /** Ends the worker, if there is one; the build's last call, also when it failed. */
  close(): Promise<void>;
}

export function startHighlighting(options: { inWorker: boolean }): Highlighting {
  const worker = options.inWorker ? findWorker() : undefined;
  return worker ? startWorker(worker) : { highlight: highlightBlocks, close: async () => {} };
}

/**
 * dist/site-worker.mjs beside the bundle that runs (the CLI's chunks are in dist/chunks/, the
 * bench's bundle in dist/); never one found further up, which could be a stale build.
 */
function findWorker(): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return [here, path.dirname(here)].map((dir) => path.join(dir, 'site-worker.mjs')).find((file) => existsSync(file));
}

export function startWorker(file: string): Highlighting {
  const worker = new Worker(file);
  const waiting = new Map<number, { resolve: (html: string[]) => void; reject: (error: Error) => void }>();
  let failure: Error | undefined;
  const failAll = (error: Error) => {
    failure ??= error;
    for (const { reject } of waiting.values()) reject(failure);
    waiting.clear();
  };
  worker.on('message', (answer: HighlightAnswer) => {
    const request = waiting.get(answer.id);
    waiting.delete(answer.id);
    if ('html' in answer) request?.resolve(answer.html);
    else request?.reject(new Error(`Highlighting code failed in the site's worker thread: ${answer.error}`));
  });
  worker.on('error', (error) => failAll(error));
  worker.on('exit', (code) => failAll(new Error(`The site's worker thread (${file}) stopped with exit code ${code}`)));
  let next = 0;
  return {
    highlight(blocks, variableNames) {
      if (failure) return Promise.reject(failure);
      const id = next++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.postMessage({ id, blocks, variableNames } satisfies HighlightRequest);
      });
    },
    async close() {
      await worker.terminate();
    },
  };
}
