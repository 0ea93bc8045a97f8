/**
 * One step's script on each of its hosts, at most `parallel` at once. The workstation's bash gets
 * every variable; a host gets only those the step uses, so nothing else travels over ssh.
 */
import type { Step } from '../book/types.js';
import { WORKSTATION } from '../book/types.js';
import type { Mask } from '../report/mask-secrets.js';
import type { LogWriter } from '../state/log-writer.js';
import { mapLimited } from './map-limited.js';
import type { RunObserver } from './results.js';
import { runStepOnHost, type HostRunOutcome } from './run-step.js';
import type { Transport } from './transport.js';

export interface HostsRunOptions {
  variables: ReadonlyMap<string, string>;
  transportFor(host: string): Transport;
  parallel: number;
  signal: AbortSignal;
  mask: Mask;
  logs: LogWriter;
  /** Where a host's attempts are logged. */
  logFile(host: string): string;
  scratchDir: string;
  observer: RunObserver;
  verbose: boolean;
}

export interface HostRun {
  outcome: HostRunOutcome;
  /** The variables the script was given, for reading back what it exported. */
  env: Record<string, string>;
}

export function runOnHosts(step: Step, hosts: readonly string[], script: string, options: HostsRunOptions): Promise<HostRun[]> {
  return mapLimited(hosts, options.parallel, async (host) => {
    const env = host === WORKSTATION ? Object.fromEntries(options.variables) : pickVariables(options.variables, step.uses);
    const outcome = await runStepOnHost(step, host, {
      transport: options.transportFor(host),
      script,
      env,
      signal: options.signal,
      mask: options.mask,
      logs: options.logs,
      logFile: options.logFile(host),
      scratchDir: options.scratchDir,
      observer: options.observer,
      verbose: options.verbose,
    });
    return { outcome, env };
  });
}

function pickVariables(values: ReadonlyMap<string, string>, names: readonly string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of names) {
    const value = values.get(name);
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}
