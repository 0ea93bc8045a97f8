/**
 * Where code blocks are highlighted: a whole build hands them to a worker thread, which Shiki
 * keeps busy on the second core while this thread parses the next pages; a one-page
 * rebuild, and the sources without the built CLI, highlight here, which costs no thread start.
 */
import type { Element } from 'hast';
import { Worker } from 'node:worker_threads';
import { findBuilt } from './find-built.js';
import { highlightBlocks } from './highlight-code.js';
import type { HighlightAnswer, HighlightRequest, WorkerStart } from './site-worker.js';

export interface Highlighting {
  /** Each block's highlighted HTML, in order. */
  highlight(blocks: Element[], variableNames: string[]): Promise<string[]>;
  /** Ends the worker, if there is one; the build's last call, also when it failed. */
  close(): Promise<void>;
}

export function startHighlighting(options: { inWorker: boolean; bookDir?: string }): Highlighting {
  const worker = options.inWorker ? findBuilt('site-worker.mjs') : undefined;
  return worker ? startWorker(worker, { bookDir: options.bookDir }) : { highlight: highlightBlocks, close: async () => {} };
}

export function startWorker(file: string, start: WorkerStart = {}): Highlighting {
  const worker = new Worker(file, { workerData: start });
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
