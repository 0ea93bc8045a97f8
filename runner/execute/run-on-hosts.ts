/**
 * One step's script on each of its hosts, at most `parallel` at once. The workstation's bash gets
 * every variable; a host gets only those the step uses, so nothing else travels over ssh.
 */
import type { Step } from '../book/types.js';
import { WORKSTATION } from '../book/types.js';
import type { Mask } from '../mask/mask-secrets.js';
import type { LogWriter } from '../state/log-writer.js';
import { mapLimited } from './map-limited.js';
import type { RunObserver } from './results.js';
import { runStepOnHost, type HostRunOutcome } from './run-step.js';
import type { Transport } from './transport.js';
import type { Variables } from './variables.js';

/** What running a script on hosts needs from the run: a RunContext has all of it. */
export interface HostsContext {
  variables: Variables;
  transportFor(host: string): Transport;
  /** Hosts a script runs on at once. */
  parallel: number;
  store: { logsDir: string; scratchDir: string };
  logs: LogWriter;
}

/** This one script's run: how it is stopped, masked and logged, and who watches it. */
export interface HostsRun {
  signal: AbortSignal;
  mask: Mask;
  /** Where a host's attempts are logged. */
  logFile(host: string): string;
  observer?: RunObserver;
  verbose?: boolean;
}

export interface HostRun {
  outcome: HostRunOutcome;
  /** The variables the script was given, for reading back what it exported. */
  env: Record<string, string>;
}

export function runOnHosts(step: Step, hosts: readonly string[], script: string, context: HostsContext, run: HostsRun): Promise<HostRun[]> {
  const values = context.variables.values;
  return mapLimited(hosts, context.parallel, async (host) => {
    const env = host === WORKSTATION ? Object.fromEntries(values) : pickVariables(values, step.uses);
    const outcome = await runStepOnHost(step, host, {
      transport: context.transportFor(host),
      script,
      env,
      signal: run.signal,
      mask: run.mask,
      logs: context.logs,
      logFile: run.logFile(host),
      scratchDir: context.store.scratchDir,
      observer: run.observer ?? {},
      verbose: run.verbose ?? false,
    });
    return { outcome, env };
  });
}

function pickVariables(values: ReadonlyMap<string, string>, names: readonly string[]): Record<string, string> {
  const picked: Record<string, string> = Object.create(null);
  for (const name of names) {
    const value = values.get(name);
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}
