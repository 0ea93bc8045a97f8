/**
 * After a failure and before the cleanup chapter tears the evidence down, run the book's
 * diagnostics (book.yaml `diagnostics:`), as chainsaw's `catch` does: each one once, on its
 * hosts, with a short timeout, its output masked and kept for the report.
 */
import path from 'node:path';
import type { CommandStep, Diagnostic } from '../book/types.js';
import { WORKSTATION } from '../book/types.js';
import { findVariables } from '../parse/find-variables.js';
import { expandTarget } from '../plan/plan-run.js';
import { buildStepScript } from './build-script.js';
import type { DiagnosticResult } from './results.js';
import type { RunContext } from './run-plan.js';
import { runOnHosts } from './run-on-hosts.js';
import type { LogWriter } from '../state/log-writer.js';
import { maskFor } from '../mask/mask-secrets.js';

const DIAGNOSTIC_TIMEOUT_MS = 60_000;

export async function collectDiagnostics(context: RunContext & { logs: LogWriter }, signal: AbortSignal): Promise<DiagnosticResult[]> {
  const { book, variables } = context;
  const results: DiagnosticResult[] = [];
  const mask = maskFor(variables);
  for (const [index, diagnostic] of book.diagnostics.entries()) {
    const step = diagnosticStep(diagnostic, index, book.dir);
    const hosts = expandTarget(book, step.target);
    const script = buildStepScript(step, variables.values);
    const runs = await runOnHosts(step, hosts, script, context, {
      signal,
      mask,
      logFile: (host) => path.join(context.store.logsDir, 'diagnostics', `${step.id}.${host}.log`),
    });
    const outcomes = runs.map((run) => run.outcome);
    for (const outcome of outcomes) {
      const stderr = outcome.raw ? mask(outcome.raw.stderr) : (outcome.failure?.message ?? '');
      results.push({ title: diagnostic.title, host: outcome.host, exitCode: outcome.exitCode, output: `${outcome.stdout}${stderr}` });
    }
    context.observer.diagnostic?.(results.slice(-outcomes.length));
  }
  return results;
}

function diagnosticStep(diagnostic: Diagnostic, index: number, bookDir: string): CommandStep {
  const onHosts = !(diagnostic.target.length === 1 && diagnostic.target[0] === WORKSTATION);
  return {
    id: `diagnostic-${index + 1}`,
    index: index + 1,
    chapter: 'diagnostics',
    title: diagnostic.title,
    position: { file: path.join(bookDir, 'book.yaml'), line: 1, column: 1 },
    target: diagnostic.target,
    timeoutMs: DIAGNOSTIC_TIMEOUT_MS,
    retries: 0,
    optional: true,
    secret: false,
    // On a host, journals and kubelet files are root's to read.
    root: onHosts,
    hash: '',
    uses: findVariables(diagnostic.script),
    lang: 'sh',
    meta: '',
    kind: 'sh',
    script: diagnostic.script,
    exit: 0,
    everyMs: 0,
    mayPassEarly: false,
  };
}
