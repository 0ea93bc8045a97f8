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

/**
 * A shell word's text as the step would pass it: quotes removed, $NAME and ${NAME} replaced by
 * the book's defaults. What the book cannot know before the run (a capture, an empty default, a
 * $(...)) becomes `placeholder`, and `unknown` names it.
 */
export function expandWord(text: string, values: ReadonlyMap<string, string>, placeholder = 'x'): { text: string; unknown: string[] } {
  const unknown: string[] = [];
  const variable = (name: string) => {
    const value = values.get(name);
    if (value) return value;
    unknown.push(`$${name}`);
    return placeholder;
  };
  let out = '';
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else out += char;
    } else if (char === "'" && !quote) quote = "'";
    else if (char === '"') quote = quote ? undefined : '"';
    else if (char === '\\') {
      // Inside double quotes a backslash escapes only $ ` " \ (bash(1), QUOTING): "\b" stays \b.
      const next = text[++i] ?? '';
      out += quote === '"' && !'$`"\\'.includes(next) ? char + next : next;
    } else if (char === '$') {
      const braced = /^\$\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}/.exec(text.slice(i));
      const plain = /^\$([A-Za-z_][A-Za-z0-9_]*)/.exec(text.slice(i));
      const substitution = /^\$\([^)]*\)/.exec(text.slice(i));
      const found = braced ?? plain ?? substitution;
      if (!found) out += char;
      else {
        if (braced || plain) out += variable(found[1]!);
        else {
          unknown.push(found[0]);
          out += placeholder;
        }
        i += found[0].length - 1;
      }
    } else out += char;
  }
  return { text: out, unknown };
}
