/** The last line of a run: what passed, or where it stopped, why, and what to run next. */
import { styleText } from 'node:util';
import { spellCommand } from '../cli/spell-command.js';
import { formatDuration } from '../parse/block-grammar.js';
import { findChecksProvingNothing, type ChapterResult, type RunResult } from '../execute/results.js';
import { locate } from './progress.js';

export function describeOutcome(result: RunResult, color: boolean): string {
  const paint = (format: Parameters<typeof styleText>[0], text: string) => (color ? styleText(format, text) : text);
  const steps = result.chapters.flatMap((chapter) => chapter.steps);
  const count = (status: string) => steps.filter((step) => step.status === status).length;
  const tally = `${count('passed')} passed, ${count('failed')} failed, ${count('skipped')} skipped (passed earlier), ${count('not-run')} not run`;
  const took = formatDuration(result.durationMs);
  if (result.status === 'passed') return paint('green', `✔ All steps passed in ${took}: ${tally}.`);
  // The cleanup chapter after a failure (--all) runs whatever happens: the stop is before it.
  const cleanup = result.chapters.length > 1 ? result.chapters.find((chapter) => chapter.chapter.isCleanup) : undefined;
  const work = result.chapters.filter((chapter) => chapter !== cleanup);
  const stopIn = (chapters: ChapterResult[]) =>
    chapters
      .flatMap((chapter) => chapter.steps)
      .find((step) => step.status === 'interrupted' || (step.status === 'failed' && !step.step.optional));
  // The work passed and only the cleanup failed: that is where to go on.
  const stopInWork = stopIn(work);
  const stop = stopInWork ?? stopIn(cleanup ? [cleanup] : []);
  // Stopped while its checks ran early, a chapter has no step to point at.
  const stoppedChapter = stop?.step.chapter ?? work.find((chapter) => chapter.status === 'interrupted')?.chapter.name;
  const where = stop ? ` at ${stop.step.id} (${locate(stop.step)})` : stoppedChapter ? ` in ${stoppedChapter}` : '';
  // The real error again, last, where the eye lands after the diagnostics and the cleanup. A lost
  // connection's message is a line of the host's stderr, which this line (unlike the progress
  // above it) does not mask: it points there instead.
  const cause = (stop?.hosts ?? [])
    .filter((host) => host.failure)
    .map(
      (host) =>
        `\n  ${host.host}: ${host.failure!.reason === 'connection' ? 'the connection failed (its message is above)' : host.failure!.message}`,
    )
    .join('');
  const next = stoppedChapter ? ` ${describeNext(stoppedChapter, stopInWork || !stop ? cleanup : undefined)}` : '';
  if (result.status === 'interrupted') return paint('yellow', `■ Interrupted${where} after ${took}: ${tally}. State saved.${next}`) + cause;
  const provedNothing = findChecksProvingNothing(result.chapters);
  if (stop || provedNothing.length === 0) return paint('red', `✖ Failed${where} after ${took}: ${tally}.${next}`) + cause;
  const one = provedNothing.length === 1;
  const which = provedNothing.map((check) => `${check.step.id} (${locate(check.step)})`).join(', ');
  return paint(
    'red',
    `✖ The steps ran in ${took} (${tally}), but ${one ? 'a check passes' : `${provedNothing.length} checks pass`} before ${one ? 'its chapter has' : 'their chapters have'} run, so ${one ? 'it proves' : 'they prove'} nothing: ${which}.`,
  );
}

/** What to run next: resuming is true only while what the earlier chapters built still stands. */
function describeNext(stoppedChapter: string, cleanup: ChapterResult | undefined): string {
  if (!cleanup || cleanup.status === 'not-run' || cleanup.status === 'skipped') {
    return `Resume with \`${spellCommand(`run ${stoppedChapter}`)}\`.`;
  }
  const name = cleanup.chapter.name;
  if (cleanup.status === 'passed') {
    return `The cleanup chapter (${name}) then removed what the run built, and the progress with it: fix the step, then start over with \`${spellCommand('run --all')}\`.`;
  }
  return `The cleanup chapter (${name}) did not finish, so some of what the run built may be left: run \`${spellCommand(`run ${name}`)}\` until it passes, then start over with \`${spellCommand('run --all')}\`.`;
}
