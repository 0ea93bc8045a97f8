/**
 * The book's grammars' regular expressions, converted once. Shiki's JavaScript engine turns each
 * Oniguruma pattern into a JavaScript RegExp (oniguruma-to-es) the first time a build meets it,
 * which was a quarter of highlighting the book. `npm run build:cli` converts every pattern of the
 * grammars into dist/shiki-regexes.json: its source and flags and, for a pattern oniguruma-to-es
 * emulates, the options of its EmulatedRegExp (kept by that class to be serialised). A build makes
 * each RegExp from there and converts only what is not in it: an end pattern made from what its
 * begin matched, or every pattern when the table was made by another Node (another RegExp target).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { EmulatedRegExp } from 'oniguruma-to-es';
import type { LanguageRegistration } from 'shiki/core';
import { defaultJavaScriptRegexConstructor } from 'shiki/engine/javascript';
import { loadLanguages } from './languages.js';

/** The table's name in dist/. */
export const REGEX_TABLE = 'shiki-regexes.json';

type EmulatedOptions = EmulatedRegExp['rawOptions'];

interface SavedRegex {
  source: string;
  flags: string;
  options?: EmulatedOptions;
}

export interface RegexTable {
  /** What the table was made from (the bundle that made it); build-cli remakes it when that changes. */
  stamp: string;
  /** The V8 that resolved oniguruma-to-es's `target: 'auto'`. */
  v8: string;
  regexes: Record<string, SavedRegex>;
}

/** Shiki's own conversion, as its JavaScript engine makes it by default. */
export const convertPattern = (pattern: string): RegExp => defaultJavaScriptRegexConstructor(pattern, { target: 'auto' });

/** A regexConstructor for Shiki's JavaScript engine: from the table when the pattern is there. */
export function regexConstructorFrom(table: RegexTable | undefined): (pattern: string) => RegExp {
  const regexes = table?.v8 === process.versions.v8 ? table.regexes : {};
  return (pattern) => {
    const saved = Object.hasOwn(regexes, pattern) ? regexes[pattern] : undefined;
    if (!saved) return convertPattern(pattern);
    return saved.options ? new EmulatedRegExp(saved.source, saved.flags, saved.options) : new RegExp(saved.source, saved.flags);
  };
}

export function readRegexTable(file: string | undefined): RegexTable | undefined {
  if (!file) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RegexTable;
  } catch {
    // A table that cannot be read only costs the conversions it would have saved.
    return undefined;
  }
}

/** Converts every pattern of the book's grammars and writes the table (build-cli.mjs calls this). */
export async function writeRegexTable(file: string, stamp: string): Promise<void> {
  const regexes: Record<string, SavedRegex> = {};
  for (const grammar of await loadLanguages()) {
    for (const pattern of listScannerPatterns(grammar)) {
      let regex: RegExp;
      try {
        regex = convertPattern(pattern);
      } catch {
        continue; // Shiki meets the same error when a book uses the rule: left to it.
      }
      const options = regex instanceof EmulatedRegExp ? regex.rawOptions : undefined;
      regexes[pattern] = { source: regex.source, flags: regex.flags, ...(options ? { options } : {}) };
    }
  }
  const table: RegexTable = { stamp, v8: process.versions.v8, regexes };
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(table));
  renameSync(temporary, file);
}

/**
 * The strings Shiki's scanners are made from, for every match, begin, end and while pattern of the
 * grammar, as vscode-textmate's RegExpSource makes them: `\z` rewritten, and a pattern with `\A`
 * or `\G` in its four variants, each anchor kept or replaced by \uFFFF.
 */
export function listScannerPatterns(grammar: LanguageRegistration): Set<string> {
  const patterns = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (!value || typeof value !== 'object') return;
    for (const key of ['match', 'begin', 'end', 'while']) {
      const pattern = (value as Record<string, unknown>)[key];
      if (typeof pattern === 'string') for (const variant of anchorVariants(rewriteEndOfString(pattern))) patterns.add(variant);
    }
    Object.values(value).forEach(walk);
  };
  walk(grammar);
  return patterns;
}

/** `\z` as vscode-textmate's RegExpSource rewrites it. */
function rewriteEndOfString(pattern: string): string {
  let out = '';
  for (let index = 0; index < pattern.length; index++) {
    if (pattern[index] === '\\' && index + 1 < pattern.length) {
      out += pattern[index + 1] === 'z' ? '$(?!\\n)(?<!\\n)' : pattern.slice(index, index + 2);
      index++;
    } else {
      out += pattern[index];
    }
  }
  return out;
}

/** vscode-textmate's anchor cache: each of `\A` and `\G` kept or made unmatchable (\uFFFF); one variant without them. */
function anchorVariants(pattern: string): string[] {
  return [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ].map(([allowA, allowG]) => {
    let out = '';
    for (let index = 0; index < pattern.length; index++) {
      out += pattern[index];
      if (pattern[index] === '\\' && index + 1 < pattern.length) {
        const next = pattern[index + 1]!;
        out += (next === 'A' && !allowA) || (next === 'G' && !allowG) ? '\uFFFF' : next;
        index++;
      }
    }
    return out;
  });
}
