/**
 * book.yaml: the book's title, chapters in order, hosts and groups, variables (the version pins)
 * and the cleanup chapter. Validated with zod; every problem points at its line in book.yaml.
 */
import { isMap, isNode, isScalar, visit, type Document } from 'yaml';
// zod/mini: the same checks as zod, in a fraction of the code `lab` loads at every start.
import * as z from 'zod/mini';
import { findCaptureNameProblem, VARIABLE_NAME } from '../parse/block-grammar.js';
import { parseYaml, type At } from './parse-yaml.js';
import type { Problem } from './problems.js';

const HOST_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const RESERVED_TARGETS = ['all', 'workstation'];

const scalar = z.pipe(z.union([z.string(), z.number(), z.boolean()]), z.transform(String));

/** A value the book accepts: a regular expression (JavaScript's, with the u flag) and the rule in words. */
const validSchema = z.strictObject({
  pattern: z.string().check(
    z.superRefine((pattern, context) => {
      try {
        new RegExp(pattern, 'u');
      } catch (error) {
        context.issues.push({ code: 'custom', message: `is not a regular expression: ${(error as Error).message}`, input: pattern });
      }
    }),
  ),
  message: z.string().check(z.minLength(1, 'say in words which values are accepted')),
});

const describedVariableSchema = z
  .strictObject({
    default: scalar,
    description: z.optional(z.string()),
    secret: z.optional(z.boolean()),
    valid: z.optional(validSchema),
  })
  .check(
    z.superRefine((variable, context) => {
      if (!variable.valid || variable.default === '' || isValidValue(variable.valid, variable.default)) return;
      context.issues.push({
        code: 'custom',
        path: ['default'],
        message: `\`${variable.default}\` is not valid: ${variable.valid.message}`,
        input: variable.default,
      });
    }),
  );

/** Whether a value is one the book accepts; the site's values form and a run apply the same test. */
export function isValidValue(valid: { pattern: string }, value: string): boolean {
  try {
    return new RegExp(valid.pattern, 'u').test(value);
  } catch {
    return false;
  }
}

const variableSchema = z.union([scalar, describedVariableSchema]);

const notReserved = z.refine<string>((name) => !RESERVED_TARGETS.includes(name), 'all and workstation are reserved names');
// The runner looks hosts and groups up in plain objects, where `constructor` is always there.
const notSpecial = z.refine<string>(
  (name) => !(name in Object.prototype),
  'constructor is a name the runner cannot use (it is special in JavaScript); choose another name',
);

/** A book's variable and a captured one share one namespace, so they follow one rule. */
const bookVariableName = z.string().check(
  z.superRefine((name, context) => {
    const problem = findCaptureNameProblem(name);
    if (problem) context.issues.push({ code: 'custom', message: `\`${name}\` ${problem}`, input: name });
  }),
);

const hostName = z
  .string()
  .check(z.regex(HOST_NAME, 'a host name is lowercase letters, digits and -, as GCE instance names are'), notReserved, notSpecial);

const variableName = z.string().check(z.regex(VARIABLE_NAME, 'a variable name is letters, digits and _, not starting with a digit'));

const markdownFile = (what: string) => z.string().check(z.regex(/\.md$/, `${what} is a Markdown file ending in .md`));

const diagnosticSchema = z.strictObject({
  title: z.string().check(z.minLength(1, 'give the diagnostic a title')),
  run: z.string().check(z.minLength(1, 'give the command to run')),
  on: z.optional(z.string()),
});

const gceSchema = z.strictObject({
  project: z._default(variableName, 'PROJECT_ID'),
  zone: z._default(variableName, 'ZONE'),
  prefix: z._default(variableName, 'PREFIX'),
});

export const bookConfigSchema = z.strictObject({
  title: z.string().check(z.minLength(1, 'give the book a title')),
  repository: z.optional(z.url()),
  chapters: z.array(markdownFile('a chapter')).check(z.minLength(1, 'list at least one chapter')),
  cleanup: z.optional(z.string()),
  /** Pages that are read, never run, such as how the book verifies itself. */
  appendices: z._default(z.array(markdownFile('an appendix')), []),
  hosts: z._default(
    z.record(
      z.string().check(z.regex(HOST_NAME, 'a group name is lowercase letters, digits and -'), notReserved, notSpecial),
      z.array(hostName).check(z.minLength(1, 'a group lists at least one host')),
    ),
    {},
  ),
  /** Commands that show what went wrong, run after a failure and before the cleanup chapter. */
  diagnostics: z._default(z.array(diagnosticSchema), []),
  /** Which variables hold the GCE project, zone and instance-name prefix, for the gce inventory. */
  gce: z._default(gceSchema, { project: 'PROJECT_ID', zone: 'ZONE', prefix: 'PREFIX' }),
  vars: z._default(z.record(bookVariableName, variableSchema), {}),
});

export type BookConfig = z.output<typeof bookConfigSchema>;

/** Where a value of book.yaml is, by its path (`['chapters', 2]`), for problems found later. */
export type LocateConfig = (keyPath: readonly PropertyKey[]) => { line: number; column: number };

export type ReadConfigResult = { config: BookConfig; locate: LocateConfig; problems: [] } | { config?: undefined; problems: Problem[] };

/** Parses and validates book.yaml's text; `file` is used in problems only. */
export function readBookConfig(text: string, file: string): ReadConfigResult {
  const yaml = parseYaml(text);
  const { at } = yaml;
  if ('errors' in yaml) {
    return {
      problems: yaml.errors.map((error) => {
        const { line, col } = at(error.offset);
        return { file, line, column: col, message: `book.yaml ${error.message}`, rule: 'bad-yaml' };
      }),
    };
  }
  const { document } = yaml;
  const notMap = findNotMap(document, yaml.value, file, at);
  if (notMap) return { problems: [notMap] };
  const lost = findLostKeys(document, file, at);
  // reportInput: a value of the wrong type is told apart from a missing one.
  const parsed = bookConfigSchema.safeParse(yaml.value ?? {}, { reportInput: true });
  if (parsed.success) {
    const problems = [...lost, ...checkConfigConsistency(parsed.data, document, file, at)];
    if (problems.length > 0) return { problems };
    const locateValue: LocateConfig = (keyPath) => {
      const { line, col } = locate(document, keyPath, at);
      return { line, column: col };
    };
    return { config: parsed.data, locate: locateValue, problems: [] };
  }
  return {
    problems: [
      ...lost,
      ...parsed.error.issues.map(findInnerIssue).map((issue) => {
        // An unknown key is shown where the key is, not where its map starts.
        const keyPath = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
        const { line, col } = locate(document, keyPath, at, issue.code === 'unrecognized_keys' || issue.code === 'invalid_key');
        const where = issue.path.length > 0 ? `\`${issue.path.join('.')}\`` : 'book.yaml';
        return { file, line, column: col, message: `${where}: ${describeIssue(issue)}`, rule: 'bad-book-config' };
      }),
    ],
  };
}

/** A book.yaml that is not a map of keys: a list, a value, or a `!!binary` Buffer whose methods zod would call unknown keys. */
function findNotMap(document: Document, value: unknown, file: string, at: At): Problem | undefined {
  if (value === null || value === undefined || (typeof value === 'object' && !Array.isArray(value) && isPlainObject(value)))
    return undefined;
  const { line, col } = at(document.contents?.range?.[0] ?? 0);
  return {
    file,
    line,
    column: col,
    message: `book.yaml is a map of keys (title:, chapters:, ...), not ${describeValue(value)}`,
    rule: 'bad-book-config',
  };
}

/** `__proto__` keys: a JavaScript object drops them without a word, so the variable or group would vanish. */
function findLostKeys(document: Document, file: string, at: At): Problem[] {
  const problems: Problem[] = [];
  visit(document, {
    Pair(_key, pair) {
      if (isScalar(pair.key) && pair.key.value === '__proto__' && pair.key.range) {
        const { line, col } = at(pair.key.range[0]);
        problems.push({
          file,
          line,
          column: col,
          message: '`__proto__` is a name the runner cannot keep (it is special in JavaScript); choose another name',
          rule: 'bad-book-config',
        });
      }
    },
  });
  return problems;
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the text \`${value.length > 40 ? `${value.slice(0, 37)}...` : value}\``;
  if (typeof value === 'object')
    return isPlainObject(value) ? 'a map' : `a ${value.constructor?.name ?? 'tagged'} value (a YAML tag such as !!binary)`;
  return `the ${typeof value} ${String(value)}`;
}

/**
 * A variable written as a map (`{default: ..., secret: true}`) fails as a whole union; the
 * problem is inside the map, at the key that is wrong.
 */
function findInnerIssue(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union' || issue.path[0] !== 'vars' || issue.path.length !== 2 || !isMapValue(issue.input)) return issue;
  const inner = issue.errors[1]?.[0];
  return inner ? findInnerIssue({ ...inner, path: [...issue.path, ...inner.path] }) : issue;
}

const VALUE = 'a value (text, a number, true or false)';

function describeIssue(issue: z.core.$ZodIssue): string {
  const isVariable = issue.code === 'invalid_union' && issue.path[0] === 'vars';
  if (isVariable && issue.path.length === 2) {
    return `a variable is ${VALUE}, or a map with default: and optionally description: and secret: true; not ${describeValue(issue.input)}`;
  }
  if (isVariable)
    return issue.input === undefined
      ? 'is required (text, a number, true or false)'
      : `must be ${VALUE}, not ${describeValue(issue.input)}`;
  if (issue.code === 'invalid_type' && issue.input === undefined) return `is required (${withArticle(issue.expected)})`;
  if (issue.code === 'invalid_type') return `must be ${withArticle(issue.expected)}, not ${describeValue(issue.input)}`;
  // A bad key in hosts: or vars: carries the key's own problem inside.
  if (issue.code === 'invalid_key') return issue.issues[0]?.message ?? issue.message;
  if (issue.code === 'unrecognized_keys') {
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `\`${key}\``).join(', ')}; known keys are ${findKnownKeys(issue.path).join(', ')}`;
  }
  return issue.message;
}

/** The keys the map at `keyPath` may have, from its schema. */
function findKnownKeys(keyPath: readonly PropertyKey[]): string[] {
  const schema =
    keyPath[0] === 'vars'
      ? describedVariableSchema
      : keyPath[0] === 'diagnostics'
        ? diagnosticSchema
        : keyPath[0] === 'gce'
          ? gceSchema
          : bookConfigSchema;
  return Object.keys(schema.def.shape);
}

function isMapValue(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The line of the deepest node that exists along `path` (of the key itself, with `atKey`). */
function locate(document: Document, keyPath: readonly PropertyKey[], at: At, atKey = false): { line: number; col: number } {
  if (atKey && keyPath.length > 0) {
    const parent = keyPath.length === 1 ? document.contents : document.getIn(keyPath.slice(0, -1), true);
    if (isMap(parent)) {
      const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === keyPath.at(-1));
      if (pair && isNode(pair.key) && pair.key.range) return at(pair.key.range[0]);
    }
  }
  for (let length = keyPath.length; length >= 0; length--) {
    const node = document.getIn(keyPath.slice(0, length), true);
    if (isNode(node) && node.range) return at(node.range[0]);
  }
  return { line: 1, col: 1 };
}

function withArticle(expected: string): string {
  const words: Record<string, string> = {
    string: 'text',
    array: 'a list',
    record: 'a map',
    object: 'a map',
    boolean: 'true or false',
    number: 'a number',
  };
  return words[expected] ?? `a ${expected}`;
}

function checkConfigConsistency(config: BookConfig, document: Document, file: string, at: At): Problem[] {
  const problems: Problem[] = [];
  const add = (keyPath: PropertyKey[], message: string, rule: string) => {
    const { line, col } = locate(document, keyPath, at);
    problems.push({ file, line, column: col, message, rule });
  };
  const groups = Object.keys(config.hosts);
  const hosts = new Set(Object.values(config.hosts).flat());
  for (const group of groups) {
    if (hosts.has(group)) add(['hosts', group], `\`${group}\` is both a group and a host; rename one`, 'group-is-host');
  }
  config.chapters.forEach((chapter, index) => {
    if (config.chapters.indexOf(chapter) !== index)
      add(['chapters', index], `\`${chapter}\` is listed twice; list each chapter once`, 'duplicate-chapter');
  });
  if (config.cleanup !== undefined && !config.chapters.includes(config.cleanup)) {
    add(['cleanup'], `cleanup names \`${config.cleanup}\`, which is not in chapters; list it there too (usually last)`, 'unknown-cleanup');
  }
  return problems;
}
