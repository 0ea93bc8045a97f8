/** Quotes a value for bash as one ANSI-C string on one line, whatever it holds (newlines too). */
export function quoteForBash(value: string): string {
  if (/^[A-Za-z0-9_./:@%+=,-]+$/.test(value)) return value;
  const escaped = value.replace(/[\\'\n\r\t]/g, (char) => ({ '\\': '\\\\', "'": "\\'", '\n': '\\n', '\r': '\\r', '\t': '\\t' })[char]!);
  return `$'${escaped}'`;
}

/** `export A=... B=...;` for the top of a script; empty when there is nothing to export. */
export function exportLine(env: Record<string, string>): string {
  const names = Object.keys(env);
  if (names.length === 0) return '';
  return `export ${names.map((name) => `${name}=${quoteForBash(env[name]!)}`).join(' ')}; `;
}
