/** Expected output uses `[..]` and `...` as the grammar means them, and says something. */
import type { CommandStep } from '../book/types.js';
import type { Problem } from '../book/problems.js';
import { ANY_LINES } from '../checks/match-output.js';
import { problemAt } from './locate.js';
import type { Rule } from './rule.js';

const ALMOST_ANY_TEXT = /\[(?:\.|\.\.\.+| \.\. ?|\. \.)\]/;

export function checkOutputs(steps: CommandStep[]): Problem[] {
  const problems: Problem[] = [];
  for (const step of steps) {
    if (!step.expected) continue;
    const { text, position } = step.expected;
    const lines = text.split('\n');
    lines.forEach((line, index) => {
      const at = { file: position.file, line: position.line + 1 + index, column: 1 };
      if (line !== ANY_LINES && line.trim() === ANY_LINES) {
        problems.push(
          problemAt(at, '`...` stands for any lines only alone on its line, with nothing around it; remove the blanks', 'output-ellipsis'),
        );
      }
      const almost = ALMOST_ANY_TEXT.exec(line);
      if (almost) {
        problems.push(
          problemAt(
            { ...at, column: almost.index + 1 },
            `\`${almost[0]}\` is no wildcard; \`[..]\` stands for any text within a line`,
            'output-wildcard',
          ),
        );
      }
    });
    // An empty block means "prints nothing"; one that is all `...` accepts anything.
    if (lines.includes(ANY_LINES) && lines.every((line) => line.trim() === '' || line === ANY_LINES)) {
      problems.push(
        problemAt(
          position,
          'This output block matches any output; write what the step should print (with [..] where it varies)',
          'output-vacuous',
        ),
      );
    }
  }
  return problems;
}

export const outputsRule: Rule = {
  name: 'outputs',
  doc: {
    summary:
      'An output block uses `...` alone on its line (`output-ellipsis`), `[..]` and no near miss of it (`output-wildcard`), and says more than "anything" (`output-vacuous`).',
    bad: {
      chapter:
        '```sh {sh}\necho v1.2\n```\n\n```text {output}\n ...\nv1.[...]\n```\n\n```sh {sh}\necho\n```\n\n```text {output}\n...\n```\n',
      findings: ['6:1 output-ellipsis', '7:4 output-wildcard', '14:1 output-vacuous'],
    },
    good: { chapter: '```sh {sh}\necho v1.2\n```\n\n```text {output}\nv1.[..]\n```\n' },
  },
  check: ({ commands }) => checkOutputs(commands),
};
