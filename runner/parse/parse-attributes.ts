/**
 * Splits a fence's `{...}` attribute string into words, `key=value` and `key="quoted value"`
 * pairs, each with its column so problems point at the attribute itself.
 */

export interface AttributeToken {
  key: string;
  /** Undefined for a bare word (a kind or a flag). */
  value?: string;
  /** 0-based offset of the token inside the text given to tokenizeAttributes. */
  offset: number;
}

export interface TokenizeResult {
  tokens: AttributeToken[];
  error?: { offset: number; message: string };
}

const KEY = /[A-Za-z_][A-Za-z0-9_-]*/y;

/** `text` is what sits between the braces. */
export function tokenizeAttributes(text: string): TokenizeResult {
  const tokens: AttributeToken[] = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i]!)) {
      i++;
      continue;
    }
    const start = i;
    KEY.lastIndex = i;
    const key = KEY.exec(text)?.[0];
    if (!key) {
      return {
        tokens,
        error: { offset: i, message: `Unexpected \`${text[i]}\` in the attributes; write words, key=value or key="value"` },
      };
    }
    i += key.length;
    if (text[i] !== '=') {
      if (i < text.length && !/\s/.test(text[i]!)) {
        return { tokens, error: { offset: i, message: `Unexpected \`${text[i]}\` after \`${key}\`; separate attributes with spaces` } };
      }
      tokens.push({ key, offset: start });
      continue;
    }
    i++;
    const quote = text[i];
    let value: string;
    if (quote === '"' || quote === "'") {
      const end = text.indexOf(quote, i + 1);
      if (end === -1) {
        return { tokens, error: { offset: i, message: `The value of \`${key}\` opens a ${quote} quote that is never closed` } };
      }
      value = text.slice(i + 1, end);
      i = end + 1;
      if (i < text.length && !/\s/.test(text[i]!)) {
        const other = quote === '"' ? "'" : '"';
        return {
          tokens,
          error: {
            offset: end,
            message: `The value of \`${key}\` ends at this ${quote}; a quote cannot be escaped (\\${quote} is not one): quote the value with ${other} to put a ${quote} in it, or put a space after it`,
          },
        };
      }
    } else {
      const end = text.slice(i).search(/\s/);
      value = end === -1 ? text.slice(i) : text.slice(i, i + end);
      i += value.length;
      if (value === '') {
        return { tokens, error: { offset: start, message: `\`${key}=\` has no value; write ${key}=VALUE or drop it` } };
      }
    }
    tokens.push({ key, value, offset: start });
  }
  return { tokens };
}
