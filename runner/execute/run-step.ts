/**
 * Runs one step on one host: the attempts, the check's polling until its timeout, the expected
 * exit status and output, and the masked log of every attempt.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Step } from '../book/types.js';
import { WORKSTATION } from '../book/types.js';
import { formatDuration } from '../parse/block-grammar.js';
import { formatDiff, matchOutput } from '../checks/match-output.js';
import { createMask, MASK, type Mask } from '../mask/mask-secrets.js';
import { createStreamMask } from '../mask/mask-stream.js';
import type { Failure, HostResult, RunObserver } from './results.js';
import { couldNotRun, type ScriptRequest, type ScriptResult, type Transport } from './transport.js';
import type { LogWriter } from '../state/log-writer.js';

export interface HostRunContext {
  transport: Transport;
  script: string;
  env: Record<string, string>;
  signal: AbortSignal;
  mask: Mask;
  logs: LogWriter;
  logFile: string;
  scratchDir: string;
  observer: RunObserver;
  verbose: boolean;
}

export interface HostRunOutcome extends HostResult {
  /** Unmasked, for capture= and the exported environment; never shown. */
  raw?: ScriptResult;
}

const TAIL_LINES = 20;
/** Pause between the attempts of a step with retries=. */
const RETRY_DELAY_MS = 1000;

export async function runStepOnHost(step: Step, host: string, context: HostRunContext): Promise<HostRunOutcome> {
  const started = performance.now();
  const deadline = started + step.timeoutMs;
  const isCheck = step.kind === 'check';
  const maxAttempts = isCheck ? Number.POSITIVE_INFINITY : step.retries + 1;

  let attempt = 0;
  for (;;) {
    attempt++;
    const attemptStarted = performance.now();
    const verbose = context.verbose ? streamOutput(step, host, context) : undefined;
    const omitted = step.secret ? undefined : spillOutput(`${context.logFile}.attempt-${attempt}`, context);
    const result = await runAttempt(context.transport, {
      host,
      script: context.script,
      env: context.env,
      root: host !== WORKSTATION && step.root,
      // A check's attempt may use what is left of the check's time.
      timeoutMs: isCheck ? Math.max(1, deadline - attemptStarted) : step.timeoutMs,
      signal: context.signal,
      scratchDir: context.scratchDir,
      ...(verbose ? { onOutput: verbose.push } : {}),
      ...(omitted ? { onOmitted: omitted.push } : {}),
    });
    verbose?.end();
    omitted?.end();
    // A secret step's output is the secret: it joins the mask before anything about the step is shown.
    const mask = step.secret
      ? createMask([...context.mask.values, result.stdout.trim(), ...Object.values(result.exportedEnv ?? {})])
      : context.mask;
    const failure = evaluate(step, result, mask);
    context.logs.append(context.logFile, formatLogEntry(step, host, attempt, result, failure, performance.now() - attemptStarted, mask));

    const outcome = (status: HostResult['status'], failure?: Failure): HostRunOutcome => ({
      host,
      status,
      exitCode: result.exitCode,
      durationMs: Math.round(performance.now() - started),
      attempts: attempt,
      stdout: showOutput(step, result.stdout, mask),
      ...(failure ? { failure } : {}),
      raw: result,
    });
    if (!failure) return outcome('passed');
    if (failure.reason === 'interrupted') return outcome('interrupted', failure);

    const now = performance.now();
    // A step whose connection was lost while it ran may still be running: never start it beside itself.
    const mayStillRun = result.connectionLost === 'during-step';
    const willRetry = !mayStillRun && (isCheck ? now + step.everyMs < deadline && failure.reason !== 'timeout' : attempt < maxAttempts);
    context.observer.attemptFailed?.(step, host, attempt, failure, willRetry);
    if (!willRetry) {
      if (isCheck) {
        failure.message = `did not pass within ${formatDuration(step.timeoutMs)} (${attempt} attempt${attempt === 1 ? '' : 's'}); the last one: ${failure.message}`;
      }
      return outcome('failed', failure);
    }
    try {
      await sleep(isCheck ? step.everyMs : RETRY_DELAY_MS, undefined, { signal: context.signal });
    } catch {
      return outcome('interrupted', { reason: 'interrupted', message: 'interrupted', tail: '' });
    }
  }
}

/** A transport that throws (no such host in the inventory, say) fails the attempt, not the run. */
async function runAttempt(transport: Transport, request: ScriptRequest): Promise<ScriptResult> {
  try {
    return await transport.run(request);
  } catch (error) {
    return couldNotRun((error as Error).message);
  }
}

/**
 * --verbose: output as it arrives, masked on a stream that holds back what may be half a secret.
 * A secret step's output is never shown, not even masked: a note says it is hidden.
 */
function streamOutput(step: Step, host: string, context: HostRunContext) {
  const show = (stream: 'stdout' | 'stderr', text: string) => {
    if (text !== '') context.observer.stepOutput?.(step, host, stream, text);
  };
  if (step.secret) {
    let noted = false;
    return {
      push: () => {
        if (!noted) show('stdout', HIDDEN);
        noted = true;
      },
      end: () => {},
    };
  }
  const streams = { stdout: createStreamMask(context.mask), stderr: createStreamMask(context.mask) };
  return {
    push: (stream: 'stdout' | 'stderr', text: string) => show(stream, streams[stream].push(text)),
    end: () => {
      show('stdout', streams.stdout.end());
      show('stderr', streams.stderr.end());
    },
  };
}

/**
 * The output a result does not keep (beyond its head and tail), masked, to `<log>.attempt-N.stdout`
 * and `.stderr` beside the step's log, as it arrives.
 */
function spillOutput(prefix: string, context: HostRunContext) {
  const streams = { stdout: createStreamMask(context.mask), stderr: createStreamMask(context.mask) };
  const write = (stream: 'stdout' | 'stderr', text: string) => {
    if (text !== '') context.logs.append(`${prefix}.${stream}`, text);
  };
  return {
    push: (stream: 'stdout' | 'stderr', text: string) => write(stream, streams[stream].push(text)),
    end: () => {
      write('stdout', streams.stdout.end());
      write('stderr', streams.stderr.end());
    },
  };
}

/** Undefined when the attempt did what the book says it should. */
function evaluate(step: Step, result: ScriptResult, mask: Mask): Failure | undefined {
  const tail = step.secret ? hideSecretOutput(result.stdout + result.stderr) : tailOf(mask(result.stdout) + mask(result.stderr));
  if (result.interrupted) return { reason: 'interrupted', message: 'interrupted', tail };
  if (result.timedOut) {
    return { reason: 'timeout', message: `timed out after ${formatDuration(step.timeoutMs)} and was stopped`, tail };
  }
  if (result.error !== undefined) return { reason: 'error', message: result.error, tail };
  if (result.connectionLost) {
    const said = step.secret ? '' : mask(result.stderr.trim().split('\n').at(-1) ?? '');
    const message = said || 'lost the connection to the host';
    const mayStillRun = result.connectionLost === 'during-step' ? ' It may still be running there, so it is not started again.' : '';
    return { reason: 'connection', message: message + mayStillRun, tail };
  }
  const expectedExit = step.kind === 'file' ? 0 : step.exit;
  if (result.exitCode !== expectedExit) {
    return { reason: 'exit', message: `exit status ${result.exitCode}${expectedExit === 0 ? '' : `, expected ${expectedExit}`}`, tail };
  }
  if (step.kind !== 'file' && step.capture && result.omitted) {
    return {
      reason: 'error',
      message: `printed more than lab keeps in memory (${result.omitted} characters left out), so capture=${step.capture} cannot hold it`,
      tail,
    };
  }
  if (step.kind !== 'file' && step.expected) {
    const match = matchOutput(step.expected.text, result.stdout);
    if (!match.matched) {
      const diff = step.secret ? HIDDEN.trimEnd() : mask(formatDiff(match.diff));
      return { reason: 'output', message: 'the output is not what the book expects', diff, tail };
    }
  }
  return undefined;
}

const HIDDEN = `${MASK} (the output of a secret step is not shown)\n`;

/** A secret step's output (stdout and stderr, passed or failed) is never shown; other output is masked. */
function showOutput(step: Step, text: string, mask: Mask): string {
  return step.secret ? hideSecretOutput(text) : mask(text);
}

function hideSecretOutput(text: string): string {
  return text === '' ? '' : HIDDEN;
}

function tailOf(text: string): string {
  const lines = text.trimEnd().split('\n');
  return lines.slice(-TAIL_LINES).join('\n');
}

function formatLogEntry(
  step: Step,
  host: string,
  attempt: number,
  result: ScriptResult,
  failure: Failure | undefined,
  durationMs: number,
  mask: Mask,
): string {
  const verdict = failure ? `failed: ${failure.message}` : 'passed';
  const header = `--- ${step.id} on ${host}, attempt ${attempt}, ${new Date().toISOString()}, ${Math.round(durationMs)} ms, exit ${result.exitCode}, ${verdict}\n`;
  const body =
    `[stdout]\n${showOutput(step, result.stdout, mask)}` +
    `${result.stdout.endsWith('\n') || step.secret || result.stdout === '' ? '' : '\n'}` +
    `[stderr]\n${showOutput(step, result.stderr, mask)}${result.stderr.endsWith('\n') || step.secret || result.stderr === '' ? '' : '\n'}` +
    (failure?.diff ? `[expected vs actual]\n${failure.diff}\n` : '');
  return header + body;
}
