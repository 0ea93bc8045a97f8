/** A process and all its descendants, read from /proc: to kill -9 a whole run, as a crash would. */
import { readdirSync, readFileSync } from 'node:fs';

function parentOf(pid: number): number | undefined {
  try {
    // The command name (field 2) may hold spaces or parentheses: read after its closing one.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const parent = parentOf(pid);
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  const tree: number[] = [];
  const visit = (pid: number) => {
    tree.push(pid);
    for (const child of children.get(pid) ?? []) visit(child);
  };
  visit(root);
  return tree;
}

/** SIGKILL to the process and every descendant, stopped first so none can start another. */
export function killTree(root: number): void {
  const tree = processTree(root);
  for (const pid of tree) trySignal(pid, 'SIGSTOP');
  for (const pid of processTree(root)) trySignal(pid, 'SIGSTOP');
  for (const pid of new Set([...tree, ...processTree(root)])) trySignal(pid, 'SIGKILL');
}

function trySignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Gone already.
  }
}
