/**
 * `lab run --prove-checks`: before a chapter's steps, each of its checks runs once and should
 * fail. A check that already passes before the chapter has done its work proves nothing about
 * that work; this is mutation testing with "the chapter was never run" as the mutant.
 */
import path from 'node:path';
import type { CommandStep } from '../book/types.js';
import type { PlannedChapter } from '../plan/plan-run.js';
import { buildStepScript } from './build-script.js';
import { combineStatuses, type EarlyCheck } from './results.js';
import { runOnHosts, type HostsContext, type HostsRun } from './run-on-hosts.js';

/** An early check gets one attempt of at most this long: `kubectl wait` inside one should not stall the run. */
export const EARLY_CHECK_TIMEOUT_MS = 60_000;

/** The chapter's checks, except those marked `may-pass-early`, each run once, in book order. */
export async function runChecksEarly(
  planned: PlannedChapter,
  context: HostsContext,
  run: Pick<HostsRun, 'signal' | 'mask'>,
): Promise<EarlyCheck[]> {
  const results: EarlyCheck[] = [];
  for (const { step, hosts } of planned.steps) {
    if (step.kind !== 'check' || step.mayPassEarly) continue;
    const once: CommandStep = { ...step, timeoutMs: Math.min(step.timeoutMs, EARLY_CHECK_TIMEOUT_MS), everyMs: Number.POSITIVE_INFINITY };
    const runs = await runOnHosts(once, hosts, buildStepScript(once, context.variables.values), context, {
      ...run,
      logFile: (host) => path.join(context.store.logsDir, step.chapter, `${step.id}.${host}.early.log`),
    });
    const hostResults = runs.map(({ outcome: { raw: _raw, ...result } }) => result);
    const status = combineStatuses(hostResults.map((host) => host.status));
    results.push({ step, status: status === 'interrupted' || status === 'passed' ? status : 'failed', hosts: hostResults });
    if (status === 'interrupted') break;
  }
  return results;
}
