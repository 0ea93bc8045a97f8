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
 * Words of a text for the index, and each word joined with a particle after it, so "cleanup"
 * finds "Cleaning up", "setup" finds "set up" and "login" finds "log in". Only particles: every
 * pair would double the index for compounds nobody types.
 */
export function indexTerms(text: string): string[] {
  const words = text
    .split(/[^\p{L}\p{N}_]+/u)
    .filter(Boolean)
    .map((word) => word.toLowerCase());
  const terms = [...words];
  for (let index = 1; index < words.length; index++) {
    if (/^(up|down|in|out|off|on|over|back)$/.test(words[index]!)) terms.push(`${words[index - 1]} ${words[index]}`);
  }
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
