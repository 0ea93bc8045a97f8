/**
 * What a person sees while a run goes: on a terminal, the running step with its host and a live
 * clock; elsewhere (CI logs, pipes), one plain line per event. Failures are explained in full as
 * soon as they happen.
 */
import path from 'node:path';
import { styleText } from 'node:util';
import type { Chapter, Step } from '../book/types.js';
import { formatDuration } from '../parse/block-grammar.js';
import type { ChapterResult, Failure, RunObserver, StepResult } from '../execute/results.js';
import type { Mask } from '../mask/mask-secrets.js';

export interface ProgressOptions {
  out: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Redraw a live line; false for pipes and CI logs. */
  live: boolean;
  color: boolean;
  verbose: boolean;
  /** Where step logs live, to point at them. */
  logsDir: string;
  /** The current mask; it grows as steps capture secrets. */
  mask: () => Mask;
}

/** Lines of each diagnostic shown in the log; the report has them all. */
const DIAGNOSTIC_LINES = 40;

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function createProgress(options: ProgressOptions): RunObserver & { stop(): void } {
  const paint = (format: Parameters<typeof styleText>[0], text: string) => (options.color ? styleText(format, text) : text);
  // Everything shown goes through the mask, titles and commands from the book included.
  const write = (text: string) => options.out.write(options.mask()(text));
  let current: { step: Step; hosts: string[]; started: number; note: string } | undefined;
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;
  let liveShown = false;

  const clearLive = () => {
    if (liveShown) write('\r\x1b[2K');
    liveShown = false;
  };
  const drawLive = () => {
    if (!options.live || !current) return;
    const elapsed = formatSeconds(performance.now() - current.started);
    const line = `${paint('cyan', SPINNER[frame++ % SPINNER.length]!)} ${describeStep(current.step, current.hosts)} ${paint('dim', elapsed)}${current.note ? paint('dim', `  ${current.note}`) : ''}`;
    write(`\r\x1b[2K${truncate(line, (options.out as NodeJS.WriteStream).columns ?? 120)}`);
    liveShown = true;
  };
  const println = (text: string) => {
    clearLive();
    write(`${text}\n`);
    drawLive();
  };

  return {
    chapterStart(chapter: Chapter, stepsToRun: number) {
      const skipped = chapter.steps.length - stepsToRun;
      const resume = skipped > 0 && stepsToRun > 0 ? `, resuming after ${skipped} that passed earlier` : '';
      const what =
        stepsToRun === 0
          ? `all ${chapter.steps.length} steps passed earlier (--restart runs them again)`
          : `${stepsToRun} step${stepsToRun === 1 ? '' : 's'}${resume}`;
      println(`${paint('bold', `${chapter.name} · ${chapter.title}`)} ${paint('dim', `(${what})`)}`);
    },
    stepStart(step, hosts) {
      current = { step, hosts, started: performance.now(), note: '' };
      if (options.live) {
        timer ??= setInterval(drawLive, 100).unref();
        drawLive();
      } else {
        println(`  ${paint('dim', '▶')} ${describeStep(step, hosts)}`);
      }
    },
    stepOutput(step, host, stream, text) {
      const prefix = paint('dim', `    ${host} │ `);
      const lines = text.replace(/\n$/, '').split('\n');
      println(lines.map((line) => `${prefix}${stream === 'stderr' ? paint('yellow', line) : line}`).join('\n'));
    },
    attemptFailed(step, host, attempt, failure, willRetry) {
      if (!willRetry) return;
      const note = `${step.kind === 'check' ? 'waiting' : 'retrying'}: attempt ${attempt} on ${host}: ${failure.message}`;
      if (current) current.note = note;
      // A check waiting is routine; a step retried is news, even in a CI log.
      if (!options.live && (options.verbose || step.kind !== 'check')) println(`    ${paint('dim', note)}`);
    },
    stepEnd(result: StepResult) {
      current = undefined;
      clearLive();
      const mark = {
        passed: paint('green', '✔'),
        failed: paint('red', '✖'),
        interrupted: paint('yellow', '■'),
        skipped: '↷',
        'not-run': '·',
      }[result.status];
      const optional = result.status === 'failed' && result.step.optional ? paint('yellow', ' (optional, going on)') : '';
      const attempts = Math.max(...result.hosts.map((host) => host.attempts));
      const tries = attempts > 1 ? paint('dim', ` after ${attempts} attempts`) : '';
      write(
        `  ${mark} ${describeStep(
          result.step,
          result.hosts.map((host) => host.host),
        )} ${paint('dim', formatSeconds(result.durationMs))}${tries}${optional}\n`,
      );
      if (result.status === 'failed') write(`${explainFailure(result, options.logsDir, paint)}\n`);
    },
    chapterEnd(result: ChapterResult) {
      if (result.status === 'skipped') return;
      const mark =
        result.status === 'passed'
          ? paint('green', 'passed')
          : result.status === 'interrupted'
            ? paint('yellow', 'interrupted')
            : paint('red', result.status);
      println(`  ${result.chapter.name} ${mark} ${paint('dim', `in ${formatSeconds(result.durationMs)}`)}`);
    },
    checksRunEarly(chapter, checks) {
      if (checks.length === 0) {
        const marked = chapter.steps.some((step) => step.kind === 'check');
        println(
          `  ${paint('yellow', '!')} ${paint('dim', marked ? 'Its checks may pass early, so none is run before it' : 'It has no checks: nothing proves it worked')}`,
        );
        return;
      }
      const failedEarly = checks.filter((check) => check.status === 'failed');
      for (const check of checks.filter((check) => check.status === 'passed')) {
        println(
          `  ${paint('red', '✖')} ${check.step.id} passes before the chapter has run, so it proves nothing ${paint('dim', `(${locate(check.step)})`)}\n` +
            `    Make it assert what only this chapter creates, or mark it \`may-pass-early\` if it may rightly pass.`,
        );
      }
      if (options.verbose) {
        for (const check of failedEarly) {
          const reasons = check.hosts.map((host) => `${host.host}: ${host.failure?.message ?? host.status}`).join('; ');
          println(`    ${paint('dim', `${check.step.id} before the chapter: ${reasons}`)}`);
        }
      }
      if (failedEarly.length > 0 && failedEarly.length === checks.length) {
        const count = checks.length === 1 ? 'its check fails, as it should' : `its ${checks.length} checks fail, as they should`;
        println(`  ${paint('green', '✔')} ${paint('dim', `Before the chapter, ${count}`)}`);
      }
    },
    diagnostic(results) {
      for (const result of results) {
        const lines = result.output.trimEnd().split('\n');
        const shown = lines.slice(-DIAGNOSTIC_LINES);
        println(`  ${paint('bold', `◆ ${result.title}`)} ${paint('dim', `on ${result.host}, exit status ${result.exitCode}`)}`);
        if (lines.length > shown.length) println(`    ${paint('dim', `(${lines.length - shown.length} earlier lines in the report)`)}`);
        println(shown.map((line) => `    ${paint('dim', '│')} ${line}`).join('\n'));
      }
    },
    notice(message) {
      println(paint('yellow', message));
    },
    stop() {
      if (timer) clearInterval(timer);
      clearLive();
    },
  };
}

export function describeStep(step: Step, hosts: readonly string[]): string {
  return `${step.id} ${step.title} [${step.kind} on ${hosts.join(', ')}]`;
}

type Paint = (format: Parameters<typeof styleText>[0], text: string) => string;

/** Which step, where in the book, the command and what happened on each host; the run's last line says what to run next. */
export function explainFailure(result: StepResult, logsDir: string, paint: Paint = (_, text) => text): string {
  const { step } = result;
  const failed = result.hosts.filter((host) => host.status === 'failed' && host.failure);
  const location = locate(step);
  const lines = [paint('red', `  ✖ ${step.id} failed on ${failed.map((host) => host.host).join(', ')}`) + paint('dim', `  (${location})`)];
  const command = step.kind === 'file' ? `write ${step.path}` : step.script.trimEnd();
  const commandLines = command.split('\n');
  lines.push(...commandLines.slice(0, 8).map((line, index) => `    ${paint('dim', index === 0 ? '$' : '>')} ${line}`));
  if (commandLines.length > 8) lines.push(`    ${paint('dim', `  (${commandLines.length - 8} more lines)`)}`);
  for (const host of failed) lines.push(...describeHostFailure(host.host, host.failure!, step, logsDir, paint));
  return lines.join('\n');
}

function describeHostFailure(host: string, failure: Failure, step: Step, logsDir: string, paint: Paint): string[] {
  const lines = [`    ${paint('bold', host)}: ${failure.message}`];
  if (failure.diff) {
    lines.push(
      `    expected (-) versus actual (+), from the output block at line ${step.kind !== 'file' && step.expected ? step.expected.position.line : '?'}:`,
    );
    lines.push(
      ...failure.diff
        .split('\n')
        .map((line) => `      ${line.startsWith('-') ? paint('red', line) : line.startsWith('+') ? paint('green', line) : line}`),
    );
  } else if (failure.tail.trim() !== '') {
    lines.push('    last lines of output:');
    lines.push(...failure.tail.split('\n').map((line) => `      ${paint('dim', '│')} ${line}`));
  }
  lines.push(`    log: ${path.relative(process.cwd(), path.join(logsDir, step.chapter, `${step.id}.${host}.log`))}`);
  return lines;
}

/** `docs/05-nodes.md:42`, from where the reader stands. */
export function locate(step: Step): string {
  return `${path.relative(process.cwd(), step.position.file)}:${step.position.line}`;
}

function formatSeconds(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : formatDuration(ms);
}

function truncate(text: string, columns: number): string {
  // Count visible characters only, leaving ANSI codes alone.
  let visible = 0;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\x1b') {
      const end = text.indexOf('m', i);
      out += text.slice(i, end + 1);
      i = end;
      continue;
    }
    if (visible >= columns - 1) break;
    out += text[i];
    visible++;
  }
  return out.includes('\x1b') ? `${out}\x1b[0m` : out;
}
