/**
 * A transport runs one bash script on one host. The engine knows nothing else about hosts:
 * the workstation, OpenSSH and gcloud transports all answer this interface.
 */

export interface ScriptRequest {
  host: string;
  /** The complete bash script, prelude included (see build-script.ts). */
  script: string;
  /** Variables the script sees in its environment. */
  env: Record<string, string>;
  /** Run as root (sudo on a host). */
  root: boolean;
  /** Killed after this long; the result says timedOut. */
  timeoutMs: number;
  /** Aborted on Ctrl-C: the whole process tree is stopped. */
  signal: AbortSignal;
  /** Streams output as it arrives, for --verbose. */
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
  /** Output beyond the head and tail a result keeps (see bounded-text.ts), as it arrives. */
  onOmitted?: (stream: 'stdout' | 'stderr', text: string) => void;
  /** Where a transport may keep a per-run file, such as the exported environment. */
  scratchDir: string;
}

export interface ScriptResult {
  /** The script's exit status; -1 when it was killed before it could exit. */
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  interrupted: boolean;
  /**
   * The connection failed: before the script started (nothing ran, so it is safe to try again), or
   * while it ran (it may still be running on the host, so it must not be started a second time).
   */
  connectionLost: false | 'before-start' | 'during-step';
  /** The transport could not run the script at all; says why. */
  error?: string;
  /** Characters of output left out of stdout and stderr (kept only at their head and tail). */
  omitted?: number;
  /** The exported environment at the script's end, where the transport can see it. */
  exportedEnv?: Record<string, string>;
}

/** The result of a script the transport could not run at all. */
export function couldNotRun(message: string): ScriptResult {
  return { exitCode: -1, stdout: '', stderr: '', timedOut: false, interrupted: false, connectionLost: false, error: message };
}

export interface Transport {
  run(request: ScriptRequest): Promise<ScriptResult>;
  /** Starts connecting to hosts the run will need, in the background, where that is safe. */
  connect?(hosts: readonly string[]): void;
  /** Releases connections; called once at the end of a run. */
  close(): Promise<void>;
}
