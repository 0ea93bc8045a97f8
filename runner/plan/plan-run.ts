/**
 * Decides what a run does: which chapters, in which order, on which hosts, and where each
 * chapter resumes (the first step that has not passed, or whose text changed since it did).
 */
import type { Book, Chapter, Step } from '../book/types.js';
import { WORKSTATION } from '../book/types.js';
import type { LabState } from '../state/state-store.js';
import { LabError } from '../errors.js';

export interface PlannedStep {
  step: Step;
  hosts: string[];
  /** Passed earlier with the same text, before the chapter's resume point. */
  skip: boolean;
}

export interface PlannedChapter {
  chapter: Chapter;
  steps: PlannedStep[];
}

export interface Plan {
  chapters: PlannedChapter[];
  /** Runs after the chapters whatever happens, for `--all` without `--keep`. */
  cleanup?: PlannedChapter;
}

export interface PlanOptions {
  restart: boolean;
}

export class UnknownChapterError extends LabError {
  override name = 'UnknownChapterError';
}

/** `on=` names to host names, in book order; `workstation` stays as it is. */
export function expandTarget(book: Book, target: readonly string[]): string[] {
  const hosts = target.flatMap((name) => book.groups[name] ?? [name]);
  return [...new Set(hosts)].sort((a, b) => order(book, a) - order(book, b));
}

function order(book: Book, host: string): number {
  return host === WORKSTATION ? -1 : book.hosts.indexOf(host);
}

/** `chapter-3`, `3` and the file's slug all name the third chapter. */
export function findChapter(book: Book, name: string): Chapter {
  const chapter = book.chapters.find(
    (candidate) => candidate.name === name || String(candidate.number) === name || candidate.slug === name,
  );
  if (!chapter) {
    const last = book.chapters.at(-1)?.name ?? 'chapter-1';
    throw new UnknownChapterError(`Unknown chapter \`${name}\`; the book has chapter-1 to ${last} (see \`lab list\`)`);
  }
  return chapter;
}

export function hasPassed(step: Step, state: LabState): boolean {
  const record = state.steps[step.id];
  return record?.status === 'passed' && record.hash === step.hash;
}

export type ChapterStatus = 'passed' | 'partial' | 'failed' | 'not run';

export function chapterStatus(chapter: Chapter, state: LabState): { status: ChapterStatus; passed: number } {
  const passed = chapter.steps.filter((step) => hasPassed(step, state)).length;
  if (passed === chapter.steps.length) return { status: 'passed', passed };
  if (chapter.steps.some((step) => state.steps[step.id]?.status === 'failed')) return { status: 'failed', passed };
  return { status: passed > 0 ? 'partial' : 'not run', passed };
}

/** Chapters before `chapter` that have not passed; the cleanup chapter depends on none. */
export function findUnpassedDependencies(book: Book, state: LabState, chapter: Chapter): Chapter[] {
  if (chapter.isCleanup) return [];
  return book.chapters
    .filter((candidate) => candidate.number < chapter.number && !candidate.isCleanup)
    .filter((candidate) => chapterStatus(candidate, state).status !== 'passed');
}

export function planChapter(book: Book, state: LabState, chapter: Chapter, options: PlanOptions): PlannedChapter {
  const resumeAt = options.restart ? 0 : chapter.steps.findIndex((step) => !hasPassed(step, state));
  const start = resumeAt === -1 ? chapter.steps.length : resumeAt;
  return {
    chapter,
    steps: chapter.steps.map((step, index) => ({ step, hosts: expandTarget(book, step.target), skip: index < start })),
  };
}

/** Every step the plan will run (not the skipped ones), cleanup included. */
export function stepsToRun(plan: Plan): PlannedStep[] {
  return [...plan.chapters, ...(plan.cleanup ? [plan.cleanup] : [])].flatMap((chapter) => chapter.steps.filter((entry) => !entry.skip));
}
