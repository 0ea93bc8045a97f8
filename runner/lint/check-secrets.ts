/**
 * Secrets: a step that captures a bootstrap token or a certificate key is marked `secret`, and no
 * `set -x` (which prints every command with its values) runs in a step that handles a secret.
 */
import type { Book, CommandStep } from '../book/types.js';
import type { Problem } from '../book/problems.js';
import { locateInBlock, problemAt } from './locate.js';
import { commandWords, scanShell } from './scan-shell.js';
import type { Rule } from './rule.js';

/** Commands that print a bootstrap token or a certificate key. */
const MAKES_SECRET = /\bkubeadm\s+(token\s+(create|generate)|certs\s+certificate-key|init\s+phase\s+upload-certs)\b/;
const SECRET_NAME = /TOKEN|CERT(IFICATE)?_?KEY|PASSWORD|SECRET/i;

export function checkSecrets(book: Book, steps: CommandStep[]): Problem[] {
  const problems: Problem[] = [];
  const secretNames = new Set(book.vars.filter((variable) => variable.secret).map((variable) => variable.name));
  for (const step of steps) {
    if (step.capture && step.secret) secretNames.add(step.capture);
    if (step.capture && !step.secret && (MAKES_SECRET.test(step.script) || SECRET_NAME.test(step.capture))) {
      problems.push(
        problemAt(
          step.position,
          `This step captures ${step.capture}, a secret (a bootstrap token or certificate key); add \`secret\` to its attributes so it is masked everywhere`,
          'unmarked-secret',
        ),
      );
    }
    const scan = scanShell(step.script);
    const handlesSecret = step.secret || scan.uses.some((use) => secretNames.has(use.name));
    if (!handlesSecret) continue;
    for (const command of scan.commands) {
      const words = commandWords(command);
      const tracing =
        (words[0]?.value === 'set' && words.slice(1).some((word) => /^-[a-wyz]*x/.test(word.value) || word.value === 'xtrace')) ||
        (words[0]?.value === 'bash' && words.slice(1).some((word) => /^-[a-wyz]*x/.test(word.value)));
      if (tracing) {
        problems.push(
          problemAt(
            locateInBlock(step.position, step.script, words[0]!.offset),
            'This step handles a secret; `set -x` would print it into the logs. Remove the tracing',
            'xtrace-secret',
          ),
        );
      }
    }
  }
  return problems;
}

export const secretsRule: Rule = {
  name: 'secrets',
  doc: {
    summary:
      'A step that captures a bootstrap token or certificate key is marked `secret` (`unmarked-secret`), and no step that handles a secret traces its commands with set -x (`xtrace-secret`).',
    bad: {
      chapter:
        '```sh {kubeadm on=controllers capture=JOIN_TOKEN}\nkubeadm token create\n```\n\n```sh {sh secret}\nset -x\necho "${JOIN_TOKEN}" > token\n```\n',
      findings: ['1:1 unmarked-secret', '6:1 xtrace-secret'],
    },
    good: {
      chapter:
        '```sh {kubeadm on=controllers capture=JOIN_TOKEN secret}\nkubeadm token create\n```\n\n```sh {sh}\necho "${JOIN_TOKEN}" > token\n```\n',
    },
  },
  check: ({ book, commands }) => checkSecrets(book, commands),
};
