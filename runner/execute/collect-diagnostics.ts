/**
 * After a failure and before the cleanup chapter tears the evidence down, run the book's
 * diagnostics (book.yaml `diagnostics:`), as chainsaw's `catch` does: each one once, on its
 * hosts, with a short timeout, its output masked and kept for the report.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
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
import type { LabState } from '../state/state-store.js';
import { maskFor } from '../mask/mask-secrets.js';

const DIAGNOSTIC_TIMEOUT_MS = 60_000;

export async function collectDiagnostics(context: RunContext & { logs: LogWriter }, signal: AbortSignal): Promise<DiagnosticResult[]> {
  const { book, variables } = context;
  const results: DiagnosticResult[] = [];
  const mask = maskFor(variables);
  const reached = findReachedHosts(context.state);
  const kubeconfig = findLabKubeconfig(variables.values);
  const skipped: string[] = [];
  for (const [index, diagnostic] of book.diagnostics.entries()) {
    const step = diagnosticStep(diagnostic, index, book.dir);
    const targets = expandTarget(book, step.target);
    if (targets.includes(WORKSTATION) && usesKubectl(diagnostic.script) && kubeconfig.missing) {
      skipped.push(`${diagnostic.title}: ${kubeconfig.missing}`);
      continue;
    }
    // A host no step has reached yet most likely does not exist yet (the chapter that creates it
    // has not run): asking it only prints "Could not connect" above the real error.
    const hosts = targets.filter((host) => host === WORKSTATION || reached.has(host));
    const unreached = targets.filter((host) => !hosts.includes(host));
    if (unreached.length > 0)
      skipped.push(`${diagnostic.title} on ${unreached.join(', ')}: no step has reached ${unreached.length === 1 ? 'it' : 'them'} yet`);
    if (hosts.length === 0) continue;
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
  if (skipped.length > 0) context.observer.notice?.(`Diagnostics skipped: ${skipped.join('; ')}.`);
  return results;
}

/** Hosts a step of this or an earlier run has run a script on: they exist. */
function findReachedHosts(state: LabState): Set<string> {
  const reached = new Set<string>();
  for (const record of Object.values(state.steps)) {
    for (const [host, result] of Object.entries(record.hosts)) if (result.exitCode >= 0) reached.add(host);
  }
  return reached;
}

function usesKubectl(script: string): boolean {
  return /(^|[\s;|&(`])kubectl(\s|$)/m.test(script);
}

/**
 * kubectl on the workstation talks to the cluster its kubeconfig names. Without the lab's own
 * (the KUBECONFIG a step exported, or book.yaml sets) it would read the workstation's current
 * context and record an unrelated cluster.
 */
function findLabKubeconfig(values: ReadonlyMap<string, string>): { missing?: string } {
  const value = values.get('KUBECONFIG');
  if (!value)
    return { missing: "the lab has no kubeconfig yet (no step has exported KUBECONFIG), and the workstation's own is not the lab's" };
  const files = value
    .split(path.delimiter)
    .filter(Boolean)
    .map((file) => (file.startsWith('~/') ? path.join(os.homedir(), file.slice(2)) : file));
  const absent = files.filter((file) => !existsSync(file));
  return absent.length > 0 ? { missing: `the lab's kubeconfig ${absent.join(', ')} does not exist yet` } : {};
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
