/**
 * Under `set -e` (every step runs with it), a command that fails before `&&` does not stop the
 * script: bash ignores a failure "in a && or || list except the command following the final &&
 * or ||" (bash(1), set -e). So `test -n "${X}" && echo ok` on a line of its own, anywhere but last,
 * lets the step go on and pass with an empty X. shellcheck has no code for it (SC2015 is about
 * `A && B || C`).
 */
import type { CommandStep } from '../book/types.js';
import type { Problem } from '../book/problems.js';
import { locateInBlock, problemAt } from './locate.js';
import type { Rule } from './rule.js';
import { scanShell, type Operator, type Word } from './scan-shell.js';

const OPENERS = new Set(['if', 'while', 'until', 'for', 'select', 'case', '{']);
const CLOSERS = new Set(['fi', 'done', 'esac', '}']);
const ENDS = new Set([';', '\n', '&']);

interface Statement {
  commands: Word[][];
  operators: string[];
}

/** The script's top-level statements (outside if/while/case/{ }/( ) bodies), in order. */
function findStatements(script: string): Statement[] {
  const statements: Statement[] = [];
  let current: Statement = { commands: [], operators: [] };
  let depth = 0;
  const end = () => {
    if (current.commands.length > 0) statements.push(current);
    current = { commands: [], operators: [] };
  };
  for (const item of scanShell(script).sequence) {
    if (!Array.isArray(item)) {
      const { operator } = item as Operator;
      if (operator === '(') depth++;
      else if (operator === ')') depth = Math.max(0, depth - 1);
      else if (depth === 0 && ENDS.has(operator)) end();
      else if (depth === 0) current.operators.push(operator);
      continue;
    }
    const first = item[0]!.value;
    if (OPENERS.has(first)) depth++;
    if (CLOSERS.has(first)) depth = Math.max(0, depth - 1);
    if (depth === 0 && !OPENERS.has(first) && !CLOSERS.has(first)) current.commands.push(item);
    else if (depth === 0) current.commands.push([]); // a compound command: no simple statement
  }
  end();
  return statements;
}

export function checkSetE(steps: CommandStep[]): Problem[] {
  const problems: Problem[] = [];
  for (const step of steps) {
    const statements = findStatements(step.script);
    statements.slice(0, -1).forEach((statement) => {
      const { commands, operators } = statement;
      if (!operators.includes('&&') || operators.includes('||') || commands.some((command) => command.length === 0)) return;
      if (printsWhatOutputExpects(step, commands.at(-1)!)) return;
      const first = commands[0]![0]!;
      problems.push(
        problemAt(
          locateInBlock(step.position, step.script, first.offset),
          'When a command before `&&` fails, set -e does not stop the step, and this is not its last line: the step goes on and can pass. Put the test on a line of its own (`test ...`), or end the line with `|| exit 1`',
          'set-e-and-list',
        ),
      );
    });
  }
  return problems;
}

/**
 * `... && echo "text"` where a line of the output block starts with the echo's fixed text: a
 * failure before `&&` leaves that line out, and the output check fails the step.
 */
function printsWhatOutputExpects(step: CommandStep, last: Word[]): boolean {
  if (!step.expected || last[0]?.value !== 'echo' || last.length !== 2) return false;
  const fixed = last[1]!.text.replace(/^(["'])(.*)\1$/s, '$2').split(/[$`]/, 1)[0]!;
  return fixed !== '' && step.expected.text.split('\n').some((line) => line.startsWith(fixed));
}

const fence = '```';

export const setERule: Rule = {
  name: 'set-e',
  doc: {
    summary:
      'No statement but the last of a step is an `&&` list whose failure nobody sees: set -e ignores a failure before `&&` (`set-e-and-list`).',
    bad: {
      chapter: `${fence}sh {check}\ntest -n "\${PROJECT:-}" && echo "project set"\necho done\n${fence}\n`,
      findings: ['2:1 set-e-and-list'],
    },
    good: {
      chapter: `${fence}sh {check}\ntest -n "\${PROJECT:-}"\necho done\n${fence}\n\n${fence}sh {check}\ntest -n "\${PROJECT:-}" && echo "project set"\necho done\n${fence}\n\n${fence}text {output}\nproject set\ndone\n${fence}\n`,
    },
  },
  check: ({ commands }) => checkSetE(commands),
};
