/** `--dry-run`: every step, where it runs, the variables it uses (secrets masked); nothing runs. */
import path from 'node:path';
import type { Book } from '../book/types.js';
import { formatDuration, DEFAULTS } from '../parse/block-grammar.js';
import type { Plan, PlannedChapter } from '../plan/plan-run.js';
import { describeVariables, type Variables } from '../execute/variables.js';
import { maskFor } from '../mask/mask-secrets.js';

export function printPlan(plan: Plan, book: Book, variables: Variables, out: NodeJS.WritableStream): void {
  const mask = maskFor(variables);
  const lines: string[] = [`Plan for "${book.title}" (${path.relative(process.cwd(), book.dir) || '.'}); nothing runs (--dry-run).`];
  const chapters: [PlannedChapter, string][] = plan.chapters.map((chapter) => [chapter, '']);
  if (plan.cleanup) chapters.push([plan.cleanup, ' (cleanup: runs last, even after a failure)']);
  let count = 0;
  for (const [planned, note] of chapters) {
    lines.push('', `${planned.chapter.name} · ${planned.chapter.title}${note}`);
    for (const { step, hosts, skip } of planned.steps) {
      const where = hosts.length === 1 ? hosts[0] : `${hosts.length} hosts: ${hosts.join(', ')}`;
      lines.push(`  ${skip ? '↷' : '▶'} ${step.id}  ${step.title}  [${step.kind} on ${where}]${skip ? '  passed earlier, skipped' : ''}`);
      if (skip) continue;
      count++;
      const details: string[] = [];
      if (step.uses.length > 0) details.push(`uses ${describeVariables(variables, step.uses, mask).join(', ')}`);
      if (step.kind === 'check') {
        details.push(`retries every ${formatDuration(step.everyMs)} for up to ${formatDuration(step.timeoutMs)}`);
      } else if (step.timeoutMs !== DEFAULTS.stepTimeoutMs) {
        details.push(`timeout ${formatDuration(step.timeoutMs)}`);
      }
      if (step.retries > 0) details.push(`retries ${step.retries}`);
      if (step.kind !== 'file' && step.capture) details.push(`captures ${step.capture}${step.secret ? ' (secret)' : ''}`);
      if (step.kind !== 'file' && step.expected) details.push(`expects output (line ${step.expected.position.line})`);
      if (step.kind !== 'file' && step.exit !== 0) details.push(`expects exit status ${step.exit}`);
      if (step.kind === 'file')
        details.push(`writes ${step.path}${step.include ? ` from ${step.include}` : ''}${step.mode ? ` mode ${step.mode}` : ''}`);
      if (step.secret) details.push('secret: output masked');
      if (step.optional) details.push('optional: a failure does not stop the run');
      for (const detail of details) lines.push(`      ${detail}`);
    }
  }
  lines.push('', `${count} step${count === 1 ? '' : 's'} would run.`);
  out.write(mask(`${lines.join('\n')}\n`));
}
