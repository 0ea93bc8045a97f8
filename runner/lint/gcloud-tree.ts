/**
 * Checks gcloud command lines against the installed gcloud's own static completion tree
 * (data/cli/gcloud_completions.py under the SDK root), offline. It proves a command and its flags
 * exist in that gcloud version; it says nothing about their values.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { findOnPath } from '../execute/preflight.js';

export type FlagKind = 'bool' | 'value' | 'dynamic' | string[];

export interface GcloudTree {
  commands: Record<string, GcloudTree>;
  flags: Record<string, FlagKind>;
}

const TREE_FILE = 'data/cli/gcloud_completions.py';

/** The SDK's root folder of the gcloud on PATH (bin/gcloud is usually a link to <root>/bin/gcloud). */
export function findGcloudRoot(searchPath = process.env.PATH ?? ''): string | undefined {
  const binary = findOnPath('gcloud', searchPath);
  return binary ? path.resolve(path.dirname(realpathSync(binary)), '..') : undefined;
}

/** The tree of the gcloud on PATH, or undefined when gcloud is not installed. */
export function loadGcloudTree(searchPath = process.env.PATH ?? ''): GcloudTree | undefined {
  const root = findGcloudRoot(searchPath);
  if (!root) return undefined;
  const file = path.join(root, TREE_FILE);
  if (!existsSync(file)) return undefined;
  const source = readFileSync(file, 'utf8');
  const literal = source.slice(source.indexOf('{'));
  try {
    // The literal is JSON in every SDK seen so far; parsing it here takes a tenth of Python's time.
    return JSON.parse(literal) as GcloudTree;
  } catch {
    const json = execFileSync(
      'python3',
      ['-c', 'import ast,json,sys; s=open(sys.argv[1]).read(); print(json.dumps(ast.literal_eval(s[s.index("{"):])))', file],
      {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    return JSON.parse(json) as GcloudTree;
  }
}

let loaded: { tree: GcloudTree | undefined } | undefined;

/** The tree of the gcloud on PATH, read once per process: several rules look at it. */
export function loadGcloudTreeOnce(): GcloudTree | undefined {
  loaded ??= { tree: loadGcloudTree() };
  return loaded.tree;
}

export interface GcloudProblem {
  /** Index of the offending word in the arguments. */
  index: number;
  message: string;
  /** `gcloud-command` (no such command or flag) or `gcloud-value` (no choice of the flag). */
  rule: 'gcloud-command' | 'gcloud-value';
}

/**
 * `args` is what follows `gcloud`; returns the words that are no command or flag of it. A word
 * holding a NUL stands for text known only when the step runs (`$VAR`): it ends the command path.
 */
export function checkGcloudArgs(tree: GcloudTree, args: readonly string[]): GcloudProblem[] {
  const problems: GcloudProblem[] = [];
  const names: string[] = [];
  let node = tree;
  const flags: Record<string, FlagKind> = { ...tree.flags };
  let descending = true;
  for (let index = 0; index < args.length; index++) {
    const word = args[index]!;
    if (word === '--') break;
    if (word.startsWith('--')) {
      const [name] = word.split('=', 1) as [string];
      const kind = flags[name] ?? (name.startsWith('--no-') && flags[`--${name.slice(5)}`] === 'bool' ? 'bool' : undefined);
      if (kind === undefined) {
        problems.push({ index, message: `\`gcloud ${names.join(' ')}\` has no flag ${name}`, rule: 'gcloud-command' });
        continue;
      }
      const inline = word.includes('=');
      if (kind !== 'bool' && !inline) index++;
      const value = inline ? word.slice(name.length + 1) : args[index];
      // gcloud takes a choice in any case (`--subnet-mode=CUSTOM` works), so this compares so too.
      if (
        Array.isArray(kind) &&
        value !== undefined &&
        !value.includes('\0') &&
        !kind.some((choice) => choice.toLowerCase() === value.toLowerCase())
      ) {
        problems.push({
          index,
          message: `\`gcloud ${names.join(' ')} ${name}\` takes ${kind.join(', ')}, not \`${value}\``,
          rule: 'gcloud-value',
        });
      }
      continue;
    }
    if (word.startsWith('-')) continue;
    if (word.includes('\0')) {
      // Unknown text where a command group expects a command name: nothing more can be checked.
      if (descending && Object.keys(node.commands).length > 0) return problems;
      descending = false;
      continue;
    }
    const child = descending ? node.commands[word] : undefined;
    if (child) {
      node = child;
      names.push(word);
      Object.assign(flags, child.flags);
      continue;
    }
    if (descending && Object.keys(node.commands).length > 0) {
      problems.push({
        index,
        message: `\`gcloud ${[...names, word].join(' ')}\` is no gcloud command; \`gcloud ${names.join(' ')}\` has ${describeCommands(node)}`,
        rule: 'gcloud-command',
      });
      return problems;
    }
    descending = false;
  }
  if (descending && Object.keys(node.commands).length > 0 && names.length > 0 && !args.some((word) => word === '--help')) {
    problems.push({
      index: args.length,
      message: `\`gcloud ${names.join(' ')}\` is a command group; name one of its commands: ${describeCommands(node)}`,
      rule: 'gcloud-command',
    });
  }
  return problems;
}

function describeCommands(node: GcloudTree): string {
  const names = Object.keys(node.commands).sort();
  return names.length > 12 ? `${names.slice(0, 12).join(', ')}, ...` : names.join(', ');
}
