/**
 * Expected output, written as the reader will see it. Runs of blanks count as one blank and
 * trailing blanks are ignored (kubectl's column widths vary); `[..]` matches any text within a
 * line; a line that is exactly `...` matches any number of lines (as in trycmd).
 */

export const ANY_TEXT = '[..]';
export const ANY_LINES = '...';

export interface DiffLine {
  /** ' ' matched, '-' expected but missing, '+' printed but not expected, '~' lines taken by `...`. */
  sign: ' ' | '-' | '+' | '~';
  text: string;
}

export interface MatchResult {
  matched: boolean;
  /** The alignment of expected and actual lines; only the mismatching parts matter on failure. */
  diff: DiffLine[];
}

/** One blank for every run of blanks, none at the end of a line, no blank lines at the end. */
export function normalizeOutput(text: string): string[] {
  const lines = text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(/[ \t]+/g, ' ').trimEnd());
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  return lines;
}

const patternCache = new Map<string, RegExp | string>();

/** A literal line stays a string; a line with `[..]` becomes an anchored regular expression. */
function compileLine(pattern: string): RegExp | string {
  let compiled = patternCache.get(pattern);
  if (compiled === undefined) {
    compiled = pattern.includes(ANY_TEXT)
      ? new RegExp(
          `^${pattern
            .split(ANY_TEXT)
            .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
            .join('.*')}$`,
          's',
        )
      : pattern;
    patternCache.set(pattern, compiled);
  }
  return compiled;
}

export function lineMatches(pattern: string, actual: string): boolean {
  const compiled = compileLine(pattern);
  return typeof compiled === 'string' ? compiled === actual : compiled.test(actual);
}

/** Aligns expected with actual at the fewest edits; they match when no edit is needed. */
export function matchOutput(expectedText: string, actualText: string): MatchResult {
  const expected = normalizeOutput(expectedText);
  const actual = normalizeOutput(actualText);
  const n = expected.length;
  const m = actual.length;
  const width = m + 1;
  // cost[i * width + j]: edits needed to align expected[i..] with actual[j..].
  const cost = new Uint32Array((n + 1) * width);
  for (let j = m - 1; j >= 0; j--) cost[n * width + j] = m - j;
  for (let i = n - 1; i >= 0; i--) {
    const pattern = expected[i]!;
    const elision = pattern === ANY_LINES;
    cost[i * width + m] = elision ? cost[(i + 1) * width + m]! : 1 + cost[(i + 1) * width + m]!;
    for (let j = m - 1; j >= 0; j--) {
      if (elision) {
        cost[i * width + j] = Math.min(cost[(i + 1) * width + j]!, cost[i * width + j + 1]!);
        continue;
      }
      // A mismatched pair costs one edit (shown as - and +), as much as a line missing or extra.
      const pair = (lineMatches(pattern, actual[j]!) ? 0 : 1) + cost[(i + 1) * width + j + 1]!;
      cost[i * width + j] = Math.min(pair, 1 + cost[(i + 1) * width + j]!, 1 + cost[i * width + j + 1]!);
    }
  }

  const diff: DiffLine[] = [];
  let i = 0;
  let j = 0;
  let elided = 0;
  const flushElided = () => {
    if (elided > 0) diff.push({ sign: '~', text: `(${elided} line${elided === 1 ? '' : 's'} matched by ...)` });
    elided = 0;
  };
  while (i < n || j < m) {
    const here = cost[i * width + j]!;
    const pattern = expected[i];
    if (pattern === ANY_LINES) {
      // Hand lines to `...` only while the rest cannot do as well without them.
      if (here === cost[(i + 1) * width + j] || j === m) {
        flushElided();
        i++;
      } else {
        elided++;
        j++;
      }
      continue;
    }
    if (i < n && j < m && lineMatches(pattern!, actual[j]!) && here === cost[(i + 1) * width + j + 1]) {
      diff.push({ sign: ' ', text: actual[j]! });
      i++;
      j++;
    } else if (i < n && j < m && here === 1 + cost[(i + 1) * width + j + 1]!) {
      diff.push({ sign: '-', text: pattern! }, { sign: '+', text: actual[j]! });
      i++;
      j++;
    } else if (i < n && here === 1 + cost[(i + 1) * width + j]!) {
      diff.push({ sign: '-', text: pattern! });
      i++;
    } else {
      diff.push({ sign: '+', text: actual[j]! });
      j++;
    }
  }
  flushElided();
  return { matched: cost[0] === 0, diff };
}

/** A unified-diff-like rendering: `- expected`, `+ actual`, with a little context around changes. */
export function formatDiff(diff: DiffLine[], context = 3): string {
  const changed = diff.map((line) => line.sign === '-' || line.sign === '+');
  const keep = diff.map((_, index) => {
    for (let k = Math.max(0, index - context); k <= Math.min(diff.length - 1, index + context); k++) if (changed[k]) return true;
    return false;
  });
  const out: string[] = [];
  let skipped = false;
  diff.forEach((line, index) => {
    if (!keep[index]) {
      if (!skipped) out.push('  …');
      skipped = true;
      return;
    }
    skipped = false;
    out.push(`${line.sign === '~' ? ' ' : line.sign} ${line.text}`);
  });
  return out.join('\n');
}
