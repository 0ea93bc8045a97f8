/**
 * Every variable a step reads is defined before it, in book order: in book.yaml, by an earlier
 * step's capture=, by an export in an earlier workstation step, or inside the block itself. A
 * variable defined on the workstation and used on a host is fine: the runner forwards it.
 */
import path from 'node:path';
import type { Book, Step } from '../book/types.js';
import { WORKSTATION } from '../book/types.js';
import type { Problem } from '../book/problems.js';
import { findVariableReferences } from '../parse/find-variables.js';
import { locateInBlock, locateInFile, problemAt } from './locate.js';
import { scanShell } from './scan-shell.js';
import type { Rule } from './rule.js';

/** Set by bash or by login on every machine, so a step may read them without defining them. */
export const ALWAYS_DEFINED = new Set([
  'HOME',
  'PATH',
  'USER',
  'LOGNAME',
  'SHELL',
  'PWD',
  'OLDPWD',
  'HOSTNAME',
  'LANG',
  'TERM',
  'TMPDIR',
  'UID',
  'EUID',
  'PPID',
  'RANDOM',
  'SECONDS',
  'LINENO',
  'BASH',
  'BASH_SOURCE',
  'BASH_VERSION',
  'BASH_REMATCH',
  'FUNCNAME',
  'PIPESTATUS',
  'IFS',
  'OSTYPE',
  'HOSTTYPE',
  'MACHTYPE',
  'REPLY',
  'OPTARG',
  'OPTIND',
  'EPOCHSECONDS',
  'SSH_CONNECTION',
  'SSH_CLIENT',
]);

export function checkVariables(book: Book): Problem[] {
  const problems: Problem[] = [];
  const defined = new Set([...ALWAYS_DEFINED, ...book.vars.map((variable) => variable.name)]);
  for (const step of book.chapters.flatMap((chapter) => chapter.steps)) {
    problems.push(...undefinedUses(step, defined, book.root));
    if (step.kind !== 'file') {
      if (step.capture) defined.add(step.capture);
      if (step.target.length === 1 && step.target[0] === WORKSTATION) for (const name of scanShell(step.script).exports) defined.add(name);
    }
  }
  return problems;
}

function undefinedUses(step: Step, defined: ReadonlySet<string>, root: string): Problem[] {
  if (step.kind === 'file') {
    // The runner replaces ${NAME} in the path and the content; an include's lines are the snippet's.
    const uses = findVariableReferences(step.path).filter((use) => use.braced && !defined.has(use.name));
    const content = findVariableReferences(step.content).filter((use) => use.braced && !defined.has(use.name));
    return [
      ...uses.map((use) => problemAt(step.position, message(use.name), 'undefined-variable')),
      ...content.map((use) =>
        problemAt(
          step.include
            ? locateInFile(path.join(root, step.include), step.content, use.offset)
            : locateInBlock(step.position, step.content, use.offset),
          message(use.name),
          'undefined-variable',
        ),
      ),
    ];
  }
  const scan = scanShell(step.script);
  const seen = new Set<string>();
  return scan.uses
    .filter((use) => !use.hasDefault && !defined.has(use.name) && !scan.defines.has(use.name))
    .filter((use) => !seen.has(use.name) && seen.add(use.name))
    .map((use) => problemAt(locateInBlock(step.position, step.script, use.offset), message(use.name), 'undefined-variable'));
}

function message(name: string): string {
  return `\`$${name}\` is not defined before this step; define it in book.yaml vars:, capture it in an earlier step (capture=${name}), or export it in an earlier workstation step`;
}

export const variablesRule: Rule = {
  name: 'variables',
  doc: {
    summary:
      'Every variable a step reads is defined before it, in book order (book.yaml vars:, an earlier capture=, an earlier workstation export, or the block itself): `undefined-variable`.',
    bad: { chapter: '```sh {sh}\necho "${CLUSTER_NAME}"\n```\n', findings: ['2:7 undefined-variable'] },
    good: { chapter: '```sh {sh}\nCLUSTER_NAME=lab\necho "${CLUSTER_NAME}"\n```\n' },
  },
  check: ({ book }) => checkVariables(book),
};
