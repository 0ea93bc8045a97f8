/**
 * gcloud's --format and --filter expressions, judged by gcloud's own parsers: gcloud checks them
 * only after it has authenticated, but the resource printer and filter compiler it uses (the ones
 * `gcloud config list --format X --filter Y` runs offline) take them all in one Python process
 * here, in a quarter of a second instead of a second per gcloud start. Then two meanings a filter
 * can have that the reader did not intend:
 * - `key=value` matches whole values today but words from a coming release (gcloud warns:
 *   "--filter : operator evaluation is changing for consistency across Google APIs"; the new
 *   pattern is `\bvalue\b`, googlecloudsdk/core/resource/resource_expr.py _ExprEQ), so
 *   `labels.lab=kubeadm-lab` will also match `kubeadm-lab-2`, another lab's.
 * - `key ~ regex` without `^`, `\b` or a leading `/` matches anywhere in the value, other labs'
 *   names included.
 * - an unquoted `(` ends a value (`name ~ ^P-(a|b)$` compares with `^P-`), so it never matches.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Book } from '../book/types.js';
import type { Problem } from '../book/problems.js';
import { findGcloudRoot } from './gcloud-tree.js';
import { problemAt } from './locate.js';
import type { Rule } from './rule.js';
import { commandWords, scanShell, type Word } from './scan-shell.js';
import { expandWord, findShellSources, type ShellSource } from './shell-sources.js';

interface Expression {
  kind: 'format' | 'filter';
  /** With the book's variables put in (their defaults), as the step would pass it. */
  text: string;
  source: ShellSource;
  word: Word;
}

/** Stands for a value known only when the step runs (a capture, $(...)); a name may hold a dash. */
const RUN_TIME = 'run-time-value';

/** Reads each expression through gcloud's own code; prints one error (or null) per expression. */
const JUDGE = `
import json, os, sys
root = sys.argv[1]
sys.path[0:0] = [os.path.join(root, 'lib'), os.path.join(root, 'lib', 'third_party')]
from googlecloudsdk.core.resource import resource_filter, resource_printer
errors = []
with open(os.devnull, 'w') as devnull:
    for item in json.load(sys.stdin):
        try:
            if item['kind'] == 'format':
                resource_printer.Printer(item['text'], out=devnull)
            else:
                resource_filter.Compile(item['text'])
            errors.append(None)
        except Exception as error:
            errors.append(str(error).strip().split('\\n')[0])
print(json.dumps(errors))
`;

export function findExpressions(book: Book, sources: ShellSource[]): Expression[] {
  const values = new Map(book.vars.map((variable) => [variable.name, variable.default]));
  const found: Expression[] = [];
  for (const source of sources) {
    for (const command of scanShell(source.script).commands) {
      const words = commandWords(command);
      if (words[0]?.value !== 'gcloud') continue;
      words.forEach((word, index) => {
        const match = /^--(format|filter)(=|$)/.exec(word.value);
        if (!match) return;
        const valueWord = match[2] === '=' ? word : words[index + 1];
        if (!valueWord) return;
        const text = expandWord(match[2] === '=' ? word.text.slice(match[0].length) : valueWord.text, values, RUN_TIME).text;
        found.push({ kind: match[1] as 'format' | 'filter', text, source, word: valueWord });
      });
    }
  }
  return found;
}

/** The terms of a filter whose meaning is not what it seems (see the module's comment). */
export function findFilterSurprises(filter: string): string[] {
  const surprises: string[] = [];
  for (const term of filter.matchAll(/([\w.[\]()-]+)\s*(!=|=|!~|~)\s*("[^"]*"|'[^']*'|[^\s()]+)/g)) {
    const [, key, operator, rawOperand] = term as unknown as [string, string, string, string];
    const operand = rawOperand.replace(/^(["'])(.*)\1$/, '$2');
    // gcloud's lexer ends an unquoted value at `(`: `name ~ ^P-(a|b)$` compares with `^P-`.
    if (!/^["']/.test(rawOperand) && filter[term.index! + term[0].length] === '(') {
      surprises.push(
        `\`${key} ${operator} ${operand}(...\` ends its value at the unquoted \`(\`: gcloud compares with \`${operand}\` and reads the rest as more terms; quote the value (\`${key} ${operator} '${operand}(...'\`)`,
      );
      continue;
    }
    if ((operator === '=' || operator === '!=') && operand.includes('-')) {
      const shown = operand.replaceAll(RUN_TIME, '<a value known at run time>');
      surprises.push(
        `\`${key}${operator}${shown}\` matches whole values today, but words in a coming gcloud (it warns: "--filter : operator evaluation is changing"), so a value with a dash will also match \`${shown}-2\`; write \`${key} ~ '^${shown}$'\` (or \`!~\`)`,
      );
    }
    // `^`, `\b` and a leading `/` (a URL's path segment: `network ~ /networks/lab-net$`) bound it.
    // A regex that starts with a value known only at run time (`name ~ '${names}'`) may be anchored there.
    if ((operator === '~' || operator === '!~') && !/^[\^/]/.test(operand) && !operand.includes('\\b') && !operand.startsWith(RUN_TIME)) {
      surprises.push(
        `\`${key} ${operator} ${operand}\` has no anchor: it matches \`${operand}\` anywhere in the value, in other labs' names too; start it with ^ and the lab's prefix`,
      );
    }
  }
  return surprises;
}

export async function checkGcloudExpressions(expressions: Expression[], root: string): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const expression of expressions) {
    if (expression.kind !== 'filter') continue;
    for (const surprise of findFilterSurprises(expression.text))
      problems.push(problemAt(expression.source.locate(expression.word.offset), surprise, 'gcloud-filter-match'));
  }
  if (expressions.length === 0) return problems;
  const { execa } = await import('execa');
  const bundled = path.join(root, 'platform/bundledpythonunix/bin/python3');
  const python = existsSync(bundled) ? bundled : process.env.CLOUDSDK_PYTHON || 'python3';
  const result = await execa(python, ['-c', JUDGE, root], {
    input: JSON.stringify(expressions.map(({ kind, text }) => ({ kind, text }))),
    reject: false,
    timeout: 60_000,
  });
  if (result.exitCode !== 0)
    throw new Error(`gcloud's expression parsers failed (${python}): ${String(result.stderr).trim().split('\n').at(-1)}`);
  const errors = JSON.parse(String(result.stdout)) as (string | null)[];
  expressions.forEach((expression, index) => {
    const error = errors[index];
    if (!error) return;
    problems.push(
      problemAt(
        expression.source.locate(expression.word.offset),
        `gcloud rejects this --${expression.kind} (as \`gcloud config list --${expression.kind}\` would): ${error}`,
        `gcloud-${expression.kind}`,
      ),
    );
  });
  return problems;
}

const fence = '```';

export const gcloudExpressionsRule: Rule = {
  name: 'gcloud-expressions',
  doc: {
    summary:
      "gcloud's parsers take every --format (`gcloud-format`) and --filter (`gcloud-filter`), transforms included; a filter's `key=value` has no `-` in its value and a `~` regex is anchored (`gcloud-filter-match`).",
    bad: {
      chapter: `${fence}sh {gcloud}\ngcloud compute instances list --format "value(name.basenam())"\ngcloud compute instances list --filter "name ~ -controller-"\ngcloud compute instances list --filter "labels.lab=\${PREFIX}" --format "value(name)"\n${fence}\n`,
      bookYaml: 'vars:\n  PREFIX: kubeadm-lab\n',
      findings: ['2:40 gcloud-format', '3:40 gcloud-filter-match', '4:40 gcloud-filter-match'],
    },
    good: {
      chapter: `${fence}sh {gcloud}\ngcloud compute instances list --format "value(name.basename())"\ngcloud compute instances list --filter "name ~ ^\${PREFIX}-controller-"\ngcloud compute instances list --filter "labels.lab ~ ^\${PREFIX}$" --format "value(name)"\n${fence}\n`,
      bookYaml: 'vars:\n  PREFIX: kubeadm-lab\n',
    },
  },
  check({ book, commands, skip }) {
    const root = findGcloudRoot();
    if (!root) {
      skip(
        'gcloud --format and --filter expressions were not checked: gcloud is not installed (https://cloud.google.com/sdk/docs/install)',
      );
      return [];
    }
    return checkGcloudExpressions(findExpressions(book, findShellSources(book, commands)), root);
  },
};
