/**
 * Reads bash's `declare -px` output back into name/value pairs. Bash writes a value as
 * "double-quoted" (escaping " \ $ `) or, when it holds newlines or control characters, as
 * $'ANSI-C quoted'; a variable exported without a value has no `=` and is left out.
 */

const ENTRY = /^declare -[a-zA-Z-]*x[a-zA-Z]* ([A-Za-z_][A-Za-z0-9_]*)(?:=("(?:[^"\\]|\\[\s\S])*"|\$'(?:[^'\\]|\\[\s\S])*'))?$/gm;

export function parseDeclareExports(text: string): Record<string, string> {
  // No prototype: `__proto__` is a name bash allows, and a plain object would drop it.
  const env: Record<string, string> = Object.create(null);
  for (const match of text.matchAll(ENTRY)) {
    const [, name, quoted] = match;
    if (quoted === undefined) continue;
    env[name!] = quoted.startsWith('"') ? unquoteDouble(quoted.slice(1, -1)) : unquoteAnsiC(quoted.slice(2, -1));
  }
  return env;
}

function unquoteDouble(text: string): string {
  return text.replace(/\\([\s\S])/g, (whole, char: string) => ('"\\$`'.includes(char) ? char : char === '\n' ? '' : whole));
}

const SIMPLE: Record<string, string> = {
  a: '\x07',
  b: '\b',
  e: '\x1b',
  E: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '?': '?',
};
const ESCAPE = /\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|u([0-9a-fA-F]{1,4})|U([0-9a-fA-F]{1,8})|c(.)|([\s\S]))/g;

/** Octal and hex escapes are bytes (bash writes UTF-8 text byte by byte in the C locale). */
function unquoteAnsiC(text: string): string {
  const bytes: number[] = [];
  const pushText = (part: string) => bytes.push(...Buffer.from(part, 'utf8'));
  let last = 0;
  for (const match of text.matchAll(ESCAPE)) {
    pushText(text.slice(last, match.index));
    last = match.index + match[0].length;
    const [whole, octal, hex, u4, u8, control, simple] = match;
    if (octal) bytes.push(parseInt(octal, 8) & 0xff);
    else if (hex) bytes.push(parseInt(hex, 16));
    else if (u4 || u8) pushText(String.fromCodePoint(parseInt((u4 ?? u8)!, 16)));
    else if (control) bytes.push(control.charCodeAt(0) & 0x1f);
    else pushText(SIMPLE[simple!] ?? whole);
  }
  pushText(text.slice(last));
  return Buffer.from(bytes).toString('utf8');
}
