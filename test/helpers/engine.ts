/**
 * The engine in-process: a book written to a temporary folder, a real state store, and a fake
 * Transport standing in for the hosts, so resume, retries, --parallel and interrupts are tested in
 * milliseconds. (The real transports have tests of their own, against real bash and OpenSSH.)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Book, Step } from '../../runner/book/types.js';
import { loadBook } from '../../runner/book/load-book.js';
import type { RunObserver } from '../../runner/execute/results.js';
import { runPlan } from '../../runner/execute/run-plan.js';
import type { ScriptRequest, ScriptResult, Transport } from '../../runner/execute/transport.js';
import { startVariables } from '../../runner/execute/variables.js';
import { planChapter, type Plan } from '../../runner/plan/plan-run.js';
import { openStateStore, type StateStore } from '../../runner/state/state-store.js';

export type Reply = Partial<ScriptResult> | ((request: ScriptRequest) => Promise<Partial<ScriptResult>> | Partial<ScriptResult>);

/** A transport that answers each script with what `reply` says, and records every request. */
export class FakeTransport implements Transport {
  readonly requests: ScriptRequest[] = [];
  /** Scripts running now, and the most at once. */
  running = 0;
  mostAtOnce = 0;

  constructor(private readonly reply: (request: ScriptRequest) => Reply | Promise<Reply> = () => ({})) {}

  async run(request: ScriptRequest): Promise<ScriptResult> {
    this.requests.push(request);
    this.running++;
    this.mostAtOnce = Math.max(this.mostAtOnce, this.running);
    try {
      const reply = await this.reply(request);
      const result = typeof reply === 'function' ? await reply(request) : reply;
      return { exitCode: 0, stdout: '', stderr: '', timedOut: false, interrupted: false, connectionLost: false, ...result };
    } finally {
      this.running--;
    }
  }

  async close(): Promise<void> {}

  /** The step ids (the script's marker line `# id`) in the order they ran, with their hosts. */
  ran(): string[] {
    return this.requests.map((request) => `${/^# (\S+)/m.exec(request.script)?.[1]}@${request.host}`);
  }
}

export interface EngineBook {
  dir: string;
  book: Book;
  store: StateStore;
  step(id: string): Step;
  remove(): void;
}

/** Writes the chapters (Markdown) and a book.yaml naming them, and loads the book. */
export function writeBook(chapters: string[], config: { hosts?: Record<string, string[]>; cleanup?: boolean } = {}): EngineBook {
  const dir = mkdtempSync(path.join(tmpdir(), 'lab-engine-'));
  mkdirSync(path.join(dir, 'docs'));
  const names = chapters.map((_, index) => `0${index + 1}-chapter.md`);
  chapters.forEach((text, index) => writeFileSync(path.join(dir, 'docs', names[index]!), text));
  const yaml = [
    'title: Engine test',
    'chapters:',
    ...names.map((name) => `  - ${name}`),
    ...(config.cleanup ? [`cleanup: ${names.at(-1)}`] : []),
    ...(config.hosts ? ['hosts:', ...Object.entries(config.hosts).map(([group, hosts]) => `  ${group}: [${hosts.join(', ')}]`)] : []),
    'vars:',
    "  PROJECT_ID: ''",
    "  ZONE: ''",
    '  PREFIX: engine',
  ];
  writeFileSync(path.join(dir, 'docs/book.yaml'), `${yaml.join('\n')}\n`);
  const book = loadBook(path.join(dir, 'docs'));
  const store = openStateStore(path.join(dir, '.lab'), book.dir);
  return {
    dir,
    book,
    store,
    step: (id) => book.chapters.flatMap((chapter) => chapter.steps).find((step) => step.id === id)!,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A step fence whose script starts with `# id`, so the fake transport can tell steps apart. */
export function fence(attributes: string, body = ''): string {
  const id = /id=(\S+)/.exec(attributes)![1];
  return `\`\`\`sh {${attributes}}\n# ${id}\n${body}\n\`\`\`\n`;
}

export interface EngineRun {
  transport?: Transport;
  signal?: AbortSignal;
  cleanupSignal?: AbortSignal;
  parallel?: number;
  observer?: RunObserver;
  restart?: boolean;
  verbose?: boolean;
}

/** Plans every chapter of the book (the last as cleanup when it is one) and runs them. */
export async function runBook(engine: EngineBook, options: EngineRun = {}) {
  const { book, store } = engine;
  const state = store.load();
  const variables = startVariables(book, state, {});
  const chapters = book.chapters.filter((chapter) => !chapter.isCleanup);
  const cleanup = book.chapters.find((chapter) => chapter.isCleanup);
  const plan: Plan = {
    chapters: chapters.map((chapter) => planChapter(book, state, chapter, { restart: options.restart ?? false })),
    ...(cleanup ? { cleanup: planChapter(book, state, cleanup, { restart: true }) } : {}),
  };
  const transport = options.transport ?? new FakeTransport();
  const unlock = store.lock();
  try {
    const result = await runPlan(plan, {
      book,
      store,
      state,
      variables,
      transportFor: () => transport,
      observer: options.observer ?? {},
      signal: options.signal ?? new AbortController().signal,
      cleanupSignal: options.cleanupSignal ?? new AbortController().signal,
      verbose: options.verbose ?? false,
      parallel: options.parallel ?? Number.POSITIVE_INFINITY,
      proveChecks: false,
    });
    return { result, state, variables };
  } finally {
    unlock();
  }
}
