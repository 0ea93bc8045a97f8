/** The last line of a run: what passed, or where it stopped and how to go on. */
import path from 'node:path';
import { styleText } from 'node:util';
import { formatDuration } from '../parse/block-grammar.js';
import type { RunResult } from '../execute/results.js';

export function describeOutcome(result: RunResult, color: boolean): string {
  const paint = (format: Parameters<typeof styleText>[0], text: string) => (color ? styleText(format, text) : text);
  const steps = result.chapters.flatMap((chapter) => chapter.steps);
  const count = (status: string) => steps.filter((step) => step.status === status).length;
  const tally = `${count('passed')} passed, ${count('failed')} failed, ${count('skipped')} skipped (passed earlier), ${count('not-run')} not run`;
  const took = formatDuration(result.durationMs);
  if (result.status === 'passed') return paint('green', `✔ All steps passed in ${took}: ${tally}.`);
  const stop = steps.find((step) => step.status === 'interrupted' || (step.status === 'failed' && !step.step.optional));
  const where = stop ? ` at ${stop.step.id} (${path.relative(process.cwd(), stop.step.position.file)}:${stop.step.position.line})` : '';
  const resume = stop ? ` Resume with \`lab run ${stop.step.chapter}\`.` : '';
  if (result.status === 'interrupted') return paint('yellow', `■ Interrupted${where} after ${took}: ${tally}. State saved.${resume}`);
  return paint('red', `✖ Failed${where} after ${took}: ${tally}.${resume}`);
}
