/** The shell text a rule reads: every runnable step, and each of book.yaml's diagnostics. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Book, CommandStep, Position } from '../book/types.js';
import { locateInBlock, locateInFile } from './locate.js';

export interface ShellSource {
  script: string;
  /** Where an offset of the script is in its file. */
  locate(offset: number): Position;
}

export function findShellSources(book: Book, steps: CommandStep[]): ShellSource[] {
  const sources: ShellSource[] = steps.map((step) => ({
    script: step.script,
    locate: (offset) => locateInBlock(step.position, step.script, offset),
  }));
  if (book.diagnostics.length === 0) return sources;
  const file = path.join(book.dir, 'book.yaml');
  const text = readFileSync(file, 'utf8');
  let from = text.indexOf('diagnostics:');
  for (const diagnostic of book.diagnostics) {
    // A one-line `run:` holds the script as written; a block scalar holds it from its first line.
    const first = diagnostic.script.split('\n', 1)[0]!;
    const start = text.indexOf(first, Math.max(from, 0));
    if (start === -1) {
      sources.push({ script: diagnostic.script, locate: () => ({ file, line: 1, column: 1 }) });
      continue;
    }
    from = start + first.length;
    const startPosition = locateInFile(file, text, start);
    sources.push({
      script: diagnostic.script,
      locate(offset) {
        const before = diagnostic.script.slice(0, offset).split('\n');
        const line = before.length - 1;
        // Lines after the first keep the block scalar's indentation.
        const column = line === 0 ? startPosition.column + offset : startPosition.column + before[line]!.length;
        return { file, line: startPosition.line + line, column };
      },
    });
  }
  return sources;
}
