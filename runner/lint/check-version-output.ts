/**
 * An `output` block is compared with what the command prints, so its command must print the same
 * on every version a reader may have. VERSION_DEPENDENT lists the commands known not to, with the
 * source that shows the difference.
 */
import type { CommandStep } from '../book/types.js';
import type { Problem } from '../book/problems.js';
import { commandWords, scanShell, type Word } from './scan-shell.js';
import { locateInBlock, problemAt } from './locate.js';
import type { Rule } from './rule.js';

export interface VersionDependentOutput {
  /** Whether the command's words print differently across versions. */
  matches(words: readonly string[]): boolean;
  what: string;
  fix: string;
  source: string;
}

export const VERSION_DEPENDENT: readonly VersionDependentOutput[] = [
  {
    matches: (words) =>
      words[0] === 'openssl' &&
      words[1] === 'x509' &&
      words.some((word) => word === '-subject' || word === '-issuer') &&
      !words.some((word) => word === '-nameopt' || word.startsWith('-nameopt=')),
    what: '`openssl x509 -subject`/`-issuer` prints `subject=CN = x` on OpenSSL 3.0 and 3.1 but `subject=CN=x` from 3.2',
    fix: "add `-nameopt utf8` (3.2's default, printed the same by every version) and write the output in that form (`subject=CN=x`)",
    source:
      'openssl/openssl#23492: openssl/openssl#16583 changed the default from `-nameopt oneline` to `utf8`, and CHANGES.md of 3.2 says spaces surrounding `=` in DN output are removed (openssl/openssl#23507)',
  },
];

export function checkVersionOutput(steps: CommandStep[]): Problem[] {
  const problems: Problem[] = [];
  for (const step of steps) {
    if (!step.expected) continue;
    for (const command of scanShell(step.script).commands) {
      const words: Word[] = commandWords(command);
      const known = VERSION_DEPENDENT.find((entry) => entry.matches(words.map((word) => word.value)));
      if (!known) continue;
      problems.push(
        problemAt(
          locateInBlock(step.position, step.script, words[0]!.offset),
          `This step has an output block, but ${known.what} (${known.source}); ${known.fix}`,
          'version-dependent-output',
        ),
      );
    }
  }
  return problems;
}

const fence = '```';

export const versionOutputRule: Rule = {
  name: 'version-output',
  doc: {
    summary:
      'A step with an output block runs no command whose output changes between versions a reader may have, such as `openssl x509 -subject` without `-nameopt` (`version-dependent-output`).',
    bad: {
      chapter: `${fence}sh {check}\nopenssl x509 -in ca.crt -noout -subject\n${fence}\n\n${fence}text {output}\nsubject=CN = kubernetes\n${fence}\n`,
      findings: ['2:1 version-dependent-output'],
    },
    good: {
      chapter: `${fence}sh {check}\nopenssl x509 -in ca.crt -noout -subject -nameopt utf8\n${fence}\n\n${fence}text {output}\nsubject=CN=kubernetes\n${fence}\n`,
    },
  },
  check: ({ commands }) => checkVersionOutput(commands),
};
