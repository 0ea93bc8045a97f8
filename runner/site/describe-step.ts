/**
 * What a reader sees above a step: what to do (run, check, write a file), where, as whom, and
 * what it saves, in words ("on every worker, as root"), never the runner's internal kind.
 */
import type { Book, Step } from '../book/types.js';
import { WORKSTATION } from '../book/types.js';

/** `workstation` -> "on your workstation"; `workers` -> "on every worker"; a list is joined. */
export function describeTarget(book: Book, target: readonly string[]): string {
  const parts = target.map((name) => {
    if (name === WORKSTATION) return 'your workstation';
    if (name === 'all') return 'every instance';
    if (book.groups[name]) return `every ${name.endsWith('s') ? name.slice(0, -1) : name}`;
    return name;
  });
  const joined = parts.length <= 1 ? parts.join('') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
  return `on ${joined}`;
}

/** Whether the step runs only on the reader's own machine. */
export function runsOnWorkstation(step: Step): boolean {
  return step.target.every((name) => name === WORKSTATION);
}

/** As the runner does it: root (through sudo) on hosts when the step says so; on the workstation, as the reader. */
export function runsAsRoot(step: Step): boolean {
  return step.root && !runsOnWorkstation(step);
}

export interface StepBadge {
  /** "Run", "Check" or "Write". */
  action: string;
  where: string;
  /** "as root" on hosts for root steps; "as you" elsewhere. */
  as: string;
  /** The variable the step saves its output as. */
  saves?: string;
}

export function describeStep(book: Book, step: Step): StepBadge {
  const action = step.kind === 'check' ? 'Check' : step.kind === 'file' ? 'Write' : 'Run';
  const capture = step.kind === 'file' ? undefined : step.capture;
  return {
    action,
    where: describeTarget(book, step.target),
    as: runsAsRoot(step) ? 'as root' : runsOnWorkstation(step) ? 'as you' : 'as your login user',
    ...(capture ? { saves: capture } : {}),
  };
}
