/** Every `gcloud ...` in a step names a command of the installed gcloud, with flags it accepts. */
import type { CommandStep } from '../book/types.js';
import type { Problem } from '../book/problems.js';
import { checkGcloudArgs, loadGcloudTreeOnce, type GcloudTree } from './gcloud-tree.js';
import type { Rule } from './rule.js';
import { locateInBlock, problemAt } from './locate.js';
import { commandWords, scanShell } from './scan-shell.js';

export function checkGcloudCommands(steps: CommandStep[], tree: GcloudTree): Problem[] {
  const problems: Problem[] = [];
  for (const step of steps) {
    for (const command of scanShell(step.script).commands) {
      const words = commandWords(command);
      if (words[0]?.value !== 'gcloud') continue;
      // A word with an expansion in it ($VAR, $(...)) keeps a NUL where the unknown text goes.
      const args = words.slice(1).map((word) => word.value);
      for (const problem of checkGcloudArgs(tree, args)) {
        const word = words[Math.min(problem.index + 1, words.length - 1)]!;
        problems.push(
          problemAt(locateInBlock(step.position, step.script, word.offset), `${problem.message} (in this gcloud)`, problem.rule),
        );
      }
    }
  }
  return problems;
}

export const gcloudRule: Rule = {
  name: 'gcloud',
  doc: {
    summary:
      'Every `gcloud ...` names a command of the installed gcloud, with flags it has (`gcloud-command`), and a literal value of a flag with choices is one of them (`gcloud-value`).',
    bad: {
      chapter:
        '```sh {gcloud}\ngcloud compute networks create lab --subnet-mod custom\ngcloud compute networks create lab --subnet-mode=manual\n```\n',
      findings: ['2:36 gcloud-command', '3:36 gcloud-value'],
    },
    good: { chapter: '```sh {gcloud}\ngcloud compute networks create lab --subnet-mode custom\n```\n' },
  },
  check({ commands, skip }) {
    const tree = loadGcloudTreeOnce();
    if (tree) return checkGcloudCommands(commands, tree);
    skip('gcloud commands were not checked: gcloud is not installed (https://cloud.google.com/sdk/docs/install)');
    return [];
  },
};
