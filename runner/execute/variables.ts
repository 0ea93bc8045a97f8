/**
 * The variables a run carries: book.yaml defaults, overridden by the environment, then every
 * value a step captured or exported (kept in the state, so they survive into later runs).
 */
import path from 'node:path';
import { isValidValue } from '../book/book-config.js';
import type { Book } from '../book/types.js';
import { LabError } from '../errors.js';
import type { Mask } from '../mask/mask-secrets.js';

export interface Variables {
  values: Map<string, string>;
  /** Names whose values are masked everywhere. */
  secret: Set<string>;
  /** Names set by steps; these are saved in the state. */
  assigned: Set<string>;
}

export interface SavedVariables {
  vars: Record<string, string>;
  secret: string[];
}

export function startVariables(book: Book, saved: SavedVariables, env: NodeJS.ProcessEnv = process.env): Variables {
  const values = new Map<string, string>();
  const secret = new Set(saved.secret);
  for (const definition of book.vars) {
    values.set(definition.name, definition.default);
    if (definition.secret) secret.add(definition.name);
  }
  for (const [name, value] of Object.entries(saved.vars)) values.set(name, value);
  // A variable the book declares can be set from the environment, as readers expect.
  for (const definition of book.vars) {
    const fromEnv = env[definition.name];
    if (fromEnv !== undefined) values.set(definition.name, fromEnv);
  }
  for (const definition of book.vars) refuseInvalidValue(book, definition.name, values.get(definition.name)!, env);
  return { values, secret, assigned: new Set(Object.keys(saved.vars)) };
}

/** A value the book's `valid:` refuses (a PREFIX too long for the names it makes) stops the run before anything runs. */
function refuseInvalidValue(book: Book, name: string, value: string, env: NodeJS.ProcessEnv): void {
  const definition = book.vars.find((variable) => variable.name === name)!;
  if (!definition.valid || value === '' || isValidValue(definition.valid, value)) return;
  const where = path.relative(process.cwd(), path.join(book.dir, 'book.yaml'));
  const shown = definition.secret ? name : `${name}=${JSON.stringify(value)}`;
  const fix =
    env[name] !== undefined
      ? `set ${name} to a valid value, or unset it to use the book's default`
      : 'run `lab reset`, or set a valid value in the environment';
  throw new LabError(`${shown} is not valid: ${definition.valid.message} (${where}, vars.${name}.valid); ${fix}`);
}

export function assignVariable(variables: Variables, name: string, value: string, secret: boolean): void {
  variables.values.set(name, value);
  variables.assigned.add(name);
  if (secret) variables.secret.add(name);
}

/**
 * Takes what a workstation step exported: new or changed values are assigned, and a variable the
 * step unset is dropped. `before` is the environment the step started with.
 */
export function applyExportedEnv(
  variables: Variables,
  before: Record<string, string | undefined>,
  after: Record<string, string>,
  secret: boolean,
): void {
  for (const [name, value] of Object.entries(after)) {
    if (before[name] !== value) assignVariable(variables, name, value, secret);
  }
  for (const name of [...variables.values.keys()]) {
    if (before[name] !== undefined && !(name in after)) {
      variables.values.delete(name);
      variables.assigned.delete(name);
    }
  }
}

export function saveVariables(variables: Variables): SavedVariables {
  // No prototype: a variable named `__proto__` is saved like any other.
  const vars: Record<string, string> = Object.create(null);
  for (const name of variables.assigned) vars[name] = variables.values.get(name)!;
  return { vars, secret: [...variables.secret].filter((name) => variables.values.has(name)) };
}

/** The values of `names`, with secrets replaced for display. */
export function describeVariables(variables: Variables, names: readonly string[], mask: Mask): string[] {
  return names.map((name) => {
    const value = variables.values.get(name);
    if (value === undefined) return `${name} (not set yet)`;
    return `${name}=${variables.secret.has(name) ? '***' : mask(value)}`;
  });
}
