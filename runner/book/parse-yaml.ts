/**
 * YAML the reader wrote (book.yaml, a hosts file), parsed with positions for problems. Aliases
 * are bounded: a "billion laughs" file of nested anchors is refused at its first alias instead of
 * expanding into gigabytes.
 */
import { LineCounter, parseDocument, type Document } from 'yaml';

/** Far more aliases than any book or hosts file uses; few enough that expanding them is cheap. */
export const MAX_ALIAS_COUNT = 100;

export type At = (offset: number) => { line: number; col: number };

/** Error messages say what the file is or has (`is not valid YAML: ...`); the caller names the file. */
export type ParsedYaml = { document: Document; value: unknown; at: At } | { errors: { offset: number; message: string }[]; at: At };

export function parseYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  const at: At = (offset) => lineCounter.linePos(offset);
  if (document.errors.length > 0) {
    return {
      errors: document.errors.map((error) => ({ offset: error.pos[0], message: `is not valid YAML: ${error.message.split('\n')[0]}` })),
      at,
    };
  }
  try {
    return { document, value: document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), at };
  } catch (error) {
    // yaml throws a ReferenceError for an alias to an unknown anchor, and for an alias bomb.
    const unresolved = /Unresolved alias[^:]*: (\S+)/.exec((error as Error).message)?.[1];
    if (unresolved) {
      const offset = text.search(new RegExp(`\\*${unresolved.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![^\\s,\\]}])`));
      return {
        errors: [
          {
            offset: Math.max(offset, 0),
            message: `has an alias *${unresolved} with no anchor &${unresolved} before it; set the anchor first, or write the value out`,
          },
        ],
        at,
      };
    }
    const alias = text.search(/(^|[\s[{,:])\*[^\s,\]}]/m);
    return {
      errors: [
        {
          offset: alias === -1 ? 0 : alias + (/\*/.exec(text.slice(alias))?.index ?? 0),
          message: `has aliases (*name) that expand to too much (${(error as Error).message}); write the values out, or nest fewer aliases`,
        },
      ],
      at,
    };
  }
}
