/**
 * Runs a tool the runner itself needs (gcloud, ssh, shellcheck, git) with execa, loaded only
 * when the first such call is made: a `lab run` on the workstation alone never pays for it.
 * Steps themselves run through the transports, never through here.
 */

export interface ToolOptions {
  cwd?: string;
  timeout?: number;
  maxBuffer?: number;
  /** `ignore` for a tool that must hold no pipe of ours (a backgrounded ssh master). */
  stdio?: 'ignore';
  stdin?: 'ignore';
}

export interface ToolResult {
  /** Undefined when the tool was killed (by the timeout, say). */
  exitCode?: number;
  signal?: string;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export async function runTool(command: string, args: readonly string[], options: ToolOptions = {}): Promise<ToolResult> {
  const { execa } = await import('execa');
  const result = await execa(command, args, { ...options, reject: false });
  return {
    ...(result.exitCode === undefined ? {} : { exitCode: result.exitCode }),
    ...(result.signal ? { signal: result.signal } : {}),
    stdout: typeof result.stdout === 'string' ? result.stdout : '',
    stderr: typeof result.stderr === 'string' ? result.stderr : '',
    timedOut: result.timedOut,
  };
}
