/**
 * The Compute API's `filter` parameter, in the forms gcloud's filter rewriter sends: terms
 * `FIELD eq "RE2"` and `FIELD ne "RE2"` (the value a regular expression that must match the
 * whole field), several of them ANDed as `(A)(B)` or `A AND B`. Any other form is GCE's 400;
 * gcloud applies the whole `--filter` again on the client, so server-side filtering only has to
 * keep every item the client-side filter would keep.
 */
import { invalid } from './errors.js';

interface Term {
  path: string[];
  negated: boolean;
  pattern: RegExp;
}

export type Filter = (item: Record<string, unknown>) => boolean;

const TERM = /^\s*\(?\s*([A-Za-z_][\w.]*)\s+(eq|ne)\s+("(?:[^"\\]|\\.)*"|'[^']*'|[^\s()]+)\s*\)?\s*(?:AND\s+)?/;

export function parseFilter(text: string | undefined): Filter {
  if (!text?.trim()) return () => true;
  const terms: Term[] = [];
  let rest = text;
  while (rest.trim()) {
    const match = TERM.exec(rest);
    if (!match) throw invalid(`Invalid value for field 'filter': '${text}'. Invalid list filter expression.`);
    const [whole, field, operator, raw] = match as unknown as [string, string, string, string];
    const value = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw.replace(/^'|'$/g, '');
    let pattern: RegExp;
    try {
      pattern = new RegExp(`^(?:${value})$`, 's');
    } catch {
      throw invalid(`Invalid value for field 'filter': '${text}'. Invalid regular expression.`);
    }
    terms.push({ path: field.split('.'), negated: operator === 'ne', pattern });
    rest = rest.slice(whole.length);
  }
  return (item) => terms.every((term) => term.pattern.test(fieldText(item, term.path)) !== term.negated);
}

function fieldText(item: Record<string, unknown>, path: string[]): string {
  let value: unknown = item;
  for (const key of path) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
