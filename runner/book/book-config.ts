/**
 * book.yaml: the book's title, chapters in order, hosts and groups, variables (the version pins)
 * and the cleanup chapter. Validated with zod; every problem points at its line in book.yaml.
 */
import { isMap, isNode, isScalar, type Document } from 'yaml';
// zod/mini: the same checks as zod, in a fraction of the code `lab` loads at every start.
import * as z from 'zod/mini';
import { VARIABLE_NAME } from '../parse/block-grammar.js';
import { parseYaml, type At } from './parse-yaml.js';
import type { Problem } from './problems.js';

const HOST_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const RESERVED_TARGETS = ['all', 'workstation'];

const scalar = z.pipe(z.union([z.string(), z.number(), z.boolean()]), z.transform(String));

const variableSchema = z.union([
  scalar,
  z.strictObject({
    default: scalar,
    description: z.optional(z.string()),
    secret: z.optional(z.boolean()),
  }),
]);

const notReserved = z.refine<string>((name) => !RESERVED_TARGETS.includes(name), 'all and workstation are reserved names');

const hostName = z
  .string()
  .check(z.regex(HOST_NAME, 'a host name is lowercase letters, digits and -, as GCE instance names are'), notReserved);

const variableName = z.string().check(z.regex(VARIABLE_NAME, 'a variable name is letters, digits and _, not starting with a digit'));

const markdownFile = (what: string) => z.string().check(z.regex(/\.md$/, `${what} is a Markdown file ending in .md`));

export const bookConfigSchema = z.strictObject({
  title: z.string().check(z.minLength(1, 'give the book a title')),
  repository: z.optional(z.url()),
  chapters: z.array(markdownFile('a chapter')).check(z.minLength(1, 'list at least one chapter')),
  cleanup: z.optional(z.string()),
  /** Pages that are read, never run, such as how the book verifies itself. */
  appendices: z._default(z.array(markdownFile('an appendix')), []),
  hosts: z._default(
    z.record(
      z.string().check(z.regex(HOST_NAME, 'a group name is lowercase letters, digits and -'), notReserved),
      z.array(hostName).check(z.minLength(1, 'a group lists at least one host')),
    ),
    {},
  ),
  /** Commands that show what went wrong, run after a failure and before the cleanup chapter. */
  diagnostics: z._default(
    z.array(
      z.strictObject({
        title: z.string().check(z.minLength(1, 'give the diagnostic a title')),
        run: z.string().check(z.minLength(1, 'give the command to run')),
        on: z.optional(z.string()),
      }),
    ),
    [],
  ),
  /** Which variables hold the GCE project, zone and instance-name prefix, for the gce inventory. */
  gce: z._default(
    z.strictObject({
      project: z._default(variableName, 'PROJECT_ID'),
      zone: z._default(variableName, 'ZONE'),
      prefix: z._default(variableName, 'PREFIX'),
    }),
    { project: 'PROJECT_ID', zone: 'ZONE', prefix: 'PREFIX' },
  ),
  vars: z._default(
    z.record(
      z.string().check(z.regex(VARIABLE_NAME, 'a variable name is letters, digits and _, not starting with a digit')),
      variableSchema,
    ),
    {},
  ),
});

export type BookConfig = z.output<typeof bookConfigSchema>;

export type ReadConfigResult = { config: BookConfig; problems: [] } | { config?: undefined; problems: Problem[] };

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
  const parsed = bookConfigSchema.safeParse(yaml.value ?? {});
  if (parsed.success) {
    const problems = checkConfigConsistency(parsed.data, document, file, at);
    return problems.length > 0 ? { problems } : { config: parsed.data, problems: [] };
  }
  return {
    problems: parsed.error.issues.map((issue) => {
      // An unknown key is shown where the key is, not where its map starts.
      const keyPath = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
      const { line, col } = locate(document, keyPath, at, issue.code === 'unrecognized_keys' || issue.code === 'invalid_key');
      const where = issue.path.length > 0 ? `\`${issue.path.join('.')}\`` : 'book.yaml';
      return { file, line, column: col, message: `${where}: ${describeIssue(issue)}`, rule: 'bad-book-config' };
    }),
  };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.input === undefined) return `is required (${issue.expected})`;
  // A bad key in hosts: or vars: carries the key's own problem inside.
  if (issue.code === 'invalid_key') return issue.issues[0]?.message ?? issue.message;
  if (issue.code === 'unrecognized_keys') {
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `\`${key}\``).join(', ')}; known keys are title, repository, chapters, cleanup, appendices, hosts, diagnostics, gce, vars`;
  }
  return issue.message;
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
