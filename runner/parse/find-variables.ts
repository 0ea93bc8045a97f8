/** Finds the shell variables a script or file reads: `$NAME`, `${NAME}`, `${NAME:-default}`. */

const REFERENCE = /\\?\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))/g;

export interface VariableReference {
  name: string;
  /** 0-based offset in the text. */
  offset: number;
  /** True for the `${NAME}` form, the only form substituted in file blocks. */
  braced: boolean;
}

/** Every reference in order; an escaped `\$NAME` is no reference. */
export function findVariableReferences(text: string): VariableReference[] {
  const references: VariableReference[] = [];
  for (const match of text.matchAll(REFERENCE)) {
    if (match[0].startsWith('\\')) continue;
    references.push({ name: (match[1] ?? match[2])!, offset: match.index, braced: match[1] !== undefined });
  }
  return references;
}

/** The distinct names a text reads, in order of first use. */
export function findVariables(text: string): string[] {
  return [...new Set(findVariableReferences(text).map((reference) => reference.name))];
}

/** File blocks substitute only `${NAME}`, so `$NAME` in a config file stays as written. */
export function findFileVariables(text: string): string[] {
  return [
    ...new Set(
      findVariableReferences(text)
        .filter((reference) => reference.braced)
        .map((reference) => reference.name),
    ),
  ];
}
