/**
 * What a reader sees above a step: its kind and where it runs, in words ("on every worker"), and
 * what its copy button copies: exactly what to type, a file block as the command that writes it.
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

export function describeKind(step: Step): string {
  if (step.kind === 'check') return 'Verify';
  if (step.kind === 'file') return 'File';
  return step.kind;
}

/** The text the copy button puts on the clipboard. */
export function copyText(step: Step): string {
  if (step.kind !== 'file') return step.script.trimEnd();
  // A reader writes the file with a heredoc; ${NAME} expands from the variables they have set.
  const sudo = step.target.length === 1 && step.target[0] === WORKSTATION ? '' : 'sudo ';
  const path = step.path.startsWith('~/') ? `"$HOME/${step.path.slice(2)}"` : step.path;
  const mode = step.mode ? `\n${sudo}chmod ${step.mode} ${path}` : '';
  return `${sudo}mkdir -p "$(dirname ${path})"\ncat <<EOF | ${sudo}tee ${path} > /dev/null\n${step.content.replace(/\n$/, '')}\nEOF${mode}`;
}
