/** The last line of a run: what passed, or where it stopped and how to go on. */
import { styleText } from 'node:util';
import { formatDuration } from '../parse/block-grammar.js';
import { findChecksProvingNothing, type RunResult } from '../execute/results.js';
import { locate } from './progress.js';

export function describeOutcome(result: RunResult, color: boolean): string {
  const paint = (format: Parameters<typeof styleText>[0], text: string) => (color ? styleText(format, text) : text);
  const steps = result.chapters.flatMap((chapter) => chapter.steps);
  const count = (status: string) => steps.filter((step) => step.status === status).length;
  const tally = `${count('passed')} passed, ${count('failed')} failed, ${count('skipped')} skipped (passed earlier), ${count('not-run')} not run`;
  const took = formatDuration(result.durationMs);
  if (result.status === 'passed') return paint('green', `✔ All steps passed in ${took}: ${tally}.`);
  const stop = steps.find((step) => step.status === 'interrupted' || (step.status === 'failed' && !step.step.optional));
  // Stopped while its checks ran early, a chapter has no step to point at.
  const stoppedChapter = stop?.step.chapter ?? result.chapters.find((chapter) => chapter.status === 'interrupted')?.chapter.name;
  const where = stop ? ` at ${stop.step.id} (${locate(stop.step)})` : stoppedChapter ? ` in ${stoppedChapter}` : '';
  const resume = stoppedChapter ? ` Resume with \`lab run ${stoppedChapter}\`.` : '';
  if (result.status === 'interrupted') return paint('yellow', `■ Interrupted${where} after ${took}: ${tally}. State saved.${resume}`);
  const provedNothing = findChecksProvingNothing(result.chapters);
  if (stop || provedNothing.length === 0) return paint('red', `✖ Failed${where} after ${took}: ${tally}.${resume}`);
  const one = provedNothing.length === 1;
  const which = provedNothing.map((check) => `${check.step.id} (${locate(check.step)})`).join(', ');
  return paint(
    'red',
    `✖ The steps ran in ${took} (${tally}), but ${one ? 'a check passes' : `${provedNothing.length} checks pass`} before ${one ? 'its chapter has' : 'their chapters have'} run, so ${one ? 'it proves' : 'they prove'} nothing: ${which}.`,
  );
}
