/**
 * How search reads words, the same at build time (the index) and in the browser (the query):
 * site.js receives these functions' source in the generated index script. They must stay
 * self-contained (no imports, no outer names) for that.
 */

/** The words of a query (or of a text, for highlighting). */
export function queryTerms(text: string): string[] {
  return text.split(/[^\p{L}\p{N}_]+/u).filter(Boolean);
}

/**
 * Words of a text for the index, and each pair of neighbouring words joined, so "cleanup"
 * finds "Cleaning up" and "setup" finds "set up".
 */
export function indexTerms(text: string): string[] {
  const words = text.split(/[^\p{L}\p{N}_]+/u).filter(Boolean);
  const terms = words.map((word) => word.toLowerCase());
  for (let index = 0; index + 1 < words.length; index++) terms.push(`${words[index]!.toLowerCase()} ${words[index + 1]!.toLowerCase()}`);
  return terms;
}

/**
 * One term of the index or a query as stored: its stem, or a pair's stems joined. The stemmer is
 * light: "Cleaning" -> "clean", "nodes" -> "node", "running" -> "run".
 */
export function processTerm(term: string): string {
  const stem = (word: string) => {
    let out = word.toLowerCase();
    if (out.length <= 3) return out;
    const strip = (suffix: string, keep: number, replacement = '') => {
      if (out.endsWith(suffix) && out.length - suffix.length >= keep) {
        out = out.slice(0, -suffix.length) + replacement;
        return true;
      }
      return false;
    };
    if (!strip('ies', 2, 'y') && !strip('sses', 2, 'ss') && !out.endsWith('ss')) strip('s', 3);
    if (strip('ing', 3) || strip('ed', 3)) {
      if (/([bdfgmnprt])\1$/.test(out)) out = out.slice(0, -1);
    }
    return out;
  };
  return term.split(' ').map(stem).join('');
}
