/**
 * A small bash lexer for what `lab check` needs to know about a block: the variables it reads
 * (not inside single quotes, comments or quoted heredocs), the variables it defines, what it
 * exports, and its simple commands with their words (to find `gcloud ...` and `set -x`).
 * It is no full bash parser; it errs on the side of finding nothing rather than something false.
 */

export interface Word {
  /** The word as written, quotes included. */
  text: string;
  /** The word with its quotes removed, when it has no expansion in it. */
  value: string;
  offset: number;
}

export interface VariableUse {
  name: string;
  offset: number;
  /** `${NAME:-x}` and its kin do not fail when NAME is unset. */
  hasDefault: boolean;
}

/** A control operator between commands at the top level: `&&`, `||`, `|`, `;`, `&`, `(`, `)`, newline. */
export interface Operator {
  operator: string;
  offset: number;
}

export interface ShellScan {
  uses: VariableUse[];
  defines: Set<string>;
  exports: Set<string>;
  /** Every simple command, those inside $(...) included (before the command that holds them). */
  commands: Word[][];
  /** The script's own commands (none from inside $(...)) and the operators between them, in order. */
  sequence: (Word[] | Operator)[];
  /** Each here-document: the command it feeds and its body (offset of its first line). */
  heredocs: { command: Word[]; body: string; offset: number }[];
}

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const DECLARERS = new Set(['export', 'declare', 'typeset', 'local', 'readonly']);
const PREFIXES = new Set([
  'sudo',
  'time',
  'exec',
  'command',
  'nohup',
  'env',
  '!',
  '{',
  'then',
  'do',
  'else',
  'if',
  'while',
  'until',
  'elif',
]);

export function scanShell(script: string): ShellScan {
  const scan: ShellScan = { uses: [], defines: new Set(), exports: new Set(), commands: [], sequence: [], heredocs: [] };
  scanInto(script, 0, scan, scan.sequence);
  for (const command of scan.commands) collectDefinitions(command, scan);
  return scan;
}

function scanInto(text: string, base: number, scan: ShellScan, sequence?: (Word[] | Operator)[]): void {
  let words: Word[] = [];
  let word: Word | undefined;
  const heredocs: { delimiter: string; quoted: boolean; strip: boolean; command: Word[] }[] = [];
  const startWord = (at: number) => (word ??= { text: '', value: '', offset: base + at });
  const endWord = () => {
    if (word) words.push(word);
    word = undefined;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) {
      scan.commands.push(words);
      sequence?.push(words);
    }
    words = [];
  };

  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (char === '\\' && text[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (char === '\n') {
      endCommand();
      sequence?.push({ operator: '\n', offset: base + i });
      i++;
      // Heredoc bodies start on the next line.
      for (const heredoc of heredocs.splice(0)) i = skipHeredoc(text, i, base, heredoc, scan);
      continue;
    }
    if (char === ' ' || char === '\t') {
      endWord();
      i++;
      continue;
    }
    if (char === '#' && !word) {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (';&|()'.includes(char)) {
      // `2>&1` and `&>` are redirections, not command ends.
      if (char === '&' && (word?.text.endsWith('>') || text[i + 1] === '>')) {
        startWord(i);
        word!.text += char;
        i++;
        continue;
      }
      endCommand();
      const operator = text[i + 1] === char && char !== '(' && char !== ')' ? char + char : char;
      sequence?.push({ operator, offset: base + i });
      i += operator.length;
      continue;
    }
    if (char === '<' && text[i + 1] === '<' && text[i + 2] !== '<') {
      const match = /^<<(-?)\s*(['"]?)\\?([A-Za-z_][A-Za-z0-9_]*)\2/.exec(text.slice(i));
      if (match) {
        heredocs.push({
          delimiter: match[3]!,
          quoted: match[2] !== '' || text.slice(i).startsWith(`<<${match[1]}\\`),
          strip: match[1] === '-',
          command: words,
        });
        endWord();
        i += match[0].length;
        continue;
      }
    }
    startWord(i);
    const current = word!;
    if (char === "'") {
      const end = text.indexOf("'", i + 1);
      const stop = end === -1 ? text.length : end + 1;
      current.text += text.slice(i, stop);
      current.value += text.slice(i + 1, stop - 1);
      i = stop;
      continue;
    }
    if (char === '"') {
      const stop = findDoubleQuoteEnd(text, i + 1);
      const inner = text.slice(i + 1, stop - 1);
      scanExpansions(inner, base + i + 1, scan);
      current.text += text.slice(i, stop);
      // An expansion inside makes the value unknown until the step runs.
      current.value += /[$`]/.test(inner) ? '\0' : inner.replace(/\\([$`"\\])/g, '$1');
      i = stop;
      continue;
    }
    if (char === '$') {
      const stop = readExpansion(text, i, base, scan);
      current.text += text.slice(i, stop);
      current.value += '\0';
      i = stop;
      continue;
    }
    if (char === '`') {
      const end = text.indexOf('`', i + 1);
      const stop = end === -1 ? text.length : end + 1;
      scanInto(text.slice(i + 1, stop - 1), base + i + 1, scan);
      current.text += text.slice(i, stop);
      current.value += '\0';
      i = stop;
      continue;
    }
    current.text += char;
    current.value += char === '\\' ? (text[i + 1] ?? '') : char;
    i += char === '\\' ? 2 : 1;
    if (char === '\\') current.text += text[i - 1] ?? '';
  }
  endCommand();
}

/** Variable uses and command substitutions inside double quotes (or an unquoted heredoc). */
function scanExpansions(text: string, base: number, scan: ShellScan): void {
  let i = 0;
  while (i < text.length) {
    if (text[i] === '\\') {
      i += 2;
      continue;
    }
    if (text[i] === '$') {
      i = readExpansion(text, i, base, scan);
      continue;
    }
    if (text[i] === '`') {
      const end = text.indexOf('`', i + 1);
      const stop = end === -1 ? text.length : end + 1;
      scanInto(text.slice(i + 1, stop - 1), base + i + 1, scan);
      i = stop;
      continue;
    }
    i++;
  }
}

/** Reads `$NAME`, `${...}`, `$(...)`, `$((...))` or `$'...'` at text[i]; returns where it ends. */
function readExpansion(text: string, i: number, base: number, scan: ShellScan): number {
  const next = text[i + 1];
  if (next === "'") {
    const end = text.indexOf("'", i + 2);
    return end === -1 ? text.length : end + 1;
  }
  if (next === '(') {
    const arithmetic = text[i + 2] === '(';
    const stop = findClosing(text, i + 1);
    if (!arithmetic) scanInto(text.slice(i + 2, stop - 1), base + i + 2, scan);
    else scanExpansions(text.slice(i + 3, stop - 2), base + i + 3, scan);
    return stop;
  }
  if (next === '{') {
    const stop = findBraceEnd(text, i + 2);
    NAME.lastIndex = i + 2;
    const name = NAME.exec(text)?.[0];
    if (name) {
      const after = text.slice(i + 2 + name.length, stop - 1);
      scan.uses.push({ name, offset: base + i, hasDefault: /^:?[-=+?]/.test(after) && !/^:?\?/.test(after) });
      scanExpansions(after, base + i + 2 + name.length, scan);
    }
    return stop;
  }
  NAME.lastIndex = i + 1;
  const name = NAME.exec(text)?.[0];
  if (name) {
    scan.uses.push({ name, offset: base + i, hasDefault: false });
    return i + 1 + name.length;
  }
  return i + 1;
}

function findDoubleQuoteEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    if (text[i] === '\\') i += 2;
    else if (text[i] === '"') return i + 1;
    else if (text[i] === '$' && text[i + 1] === '(') i = findClosing(text, i + 1);
    else i++;
  }
  return text.length;
}

/** text[open] is `(`; returns the index after its matching `)`, skipping quoted text. */
function findClosing(text: string, open: number): number {
  let depth = 0;
  let i = open;
  while (i < text.length) {
    const char = text[i]!;
    if (char === '\\') {
      i += 2;
      continue;
    }
    if (char === "'") {
      const end = text.indexOf("'", i + 1);
      i = end === -1 ? text.length : end + 1;
      continue;
    }
    if (char === '"') {
      i = findDoubleQuoteEnd(text, i + 1);
      continue;
    }
    if (char === '(') depth++;
    if (char === ')' && --depth === 0) return i + 1;
    i++;
  }
  return text.length;
}

function findBraceEnd(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return i + 1;
  }
  return text.length;
}

function skipHeredoc(
  text: string,
  from: number,
  base: number,
  heredoc: { delimiter: string; quoted: boolean; strip: boolean; command: Word[] },
  scan: ShellScan,
): number {
  let i = from;
  while (i < text.length) {
    const end = text.indexOf('\n', i);
    const lineEnd = end === -1 ? text.length : end;
    const line = text.slice(i, lineEnd);
    if ((heredoc.strip ? line.replace(/^\t+/, '') : line) === heredoc.delimiter) {
      scan.heredocs.push({ command: heredoc.command, body: text.slice(from, i), offset: base + from });
      return lineEnd + 1;
    }
    if (!heredoc.quoted) scanExpansions(line, base + i, scan);
    i = lineEnd + 1;
  }
  return text.length;
}

function collectDefinitions(command: Word[], scan: ShellScan): void {
  let index = 0;
  // Leading assignments: NAME=value cmd (or alone).
  while (index < command.length && /^[A-Za-z_][A-Za-z0-9_]*\+?=/.test(command[index]!.text)) {
    scan.defines.add(command[index]!.text.split(/\+?=/)[0]!);
    index++;
  }
  while (index < command.length && PREFIXES.has(command[index]!.value)) index++;
  const name = command[index]?.value;
  const args = command.slice(index + 1);
  if (!name) return;
  const plain = args.filter((word) => !word.value.startsWith('-'));
  const names = (words: Word[]) => words.map((word) => word.text.split(/\+?=/)[0]!).filter((text) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(text));
  if (DECLARERS.has(name)) {
    for (const defined of names(plain)) {
      scan.defines.add(defined);
      if (name === 'export' || args.some((word) => /^-[a-zA-Z]*x/.test(word.value))) scan.exports.add(defined);
    }
  } else if (name === 'read') {
    const valued = new Set(['-p', '-d', '-n', '-N', '-t', '-u', '-i']);
    for (let k = 0; k < args.length; k++) {
      const value = args[k]!.value;
      if (valued.has(value)) k++;
      else if (value === '-a') scan.defines.add(args[++k]?.value ?? '');
      else if (!value.startsWith('-')) for (const defined of names([args[k]!])) scan.defines.add(defined);
    }
  } else if (name === 'for' || name === 'select') {
    for (const defined of names(args.slice(0, 1))) scan.defines.add(defined);
  } else if (name === 'mapfile' || name === 'readarray') {
    for (const defined of names(plain.slice(-1))) scan.defines.add(defined);
  } else if (name === 'printf') {
    const v = args.findIndex((word) => word.value === '-v');
    if (v !== -1) for (const defined of names(args.slice(v + 1, v + 2))) scan.defines.add(defined);
  } else if (name === 'getopts') {
    for (const defined of names(plain.slice(1, 2))) scan.defines.add(defined);
  }
}

/** The words of each simple command after its assignments and prefixes such as sudo. */
export function commandWords(command: Word[]): Word[] {
  let index = 0;
  while (index < command.length && /^[A-Za-z_][A-Za-z0-9_]*\+?=/.test(command[index]!.text)) index++;
  while (index < command.length && PREFIXES.has(command[index]!.value)) index++;
  return command.slice(index);
}
