/**
 * The workstation transport. Steps run in a long-lived bash session (see bash-session.ts), which
 * takes each script over a pipe; a root step, when lab itself is not root, runs under `sudo` in a
 * process of its own. A script is never on a command line where `ps` would show its secrets, and
 * the environment it exports is read back so `export` carries over to later steps, chapters and
 * runs.
 */
// Synchronous file calls: each takes microseconds, far less than a hop through the thread pool.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { exportLine } from '../shell-quote.js';
import { removeFile } from '../remove-file.js';
import { spawnTree } from '../spawn-tree.js';
import type { ScriptRequest, ScriptResult, Transport } from '../transport.js';
import { BashSession, type SessionRunResult } from './bash-session.js';
import { parseDeclareExports } from '../parse-declare.js';

/** Variables bash manages itself, never carried from one step to the next. */
const SHELL_OWNED = new Set(['PWD', 'OLDPWD', 'SHLVL', '_']);

export interface LocalTransportOptions {
  /** Where workstation steps run. */
  cwd: string;
}

export function createLocalTransport(options: LocalTransportOptions): Transport {
  const session = new BashSession(options.cwd, process.env);
  // One step at a time on the workstation: the bash session takes one script after another.
  let queue: Promise<unknown> = Promise.resolve();
  const readExportedEnv = rememberLastEnv();
  const run = async (request: ScriptRequest): Promise<ScriptResult> => {
    // The exports join the script's first line, so bash's line numbers stay the book's.
    const script = `${exportLine(request.env)}${request.script}`;
    const streaming = {
      ...(request.onOutput ? { onOutput: request.onOutput } : {}),
      ...(request.onOmitted ? { onOmitted: request.onOmitted } : {}),
    };
    if (request.root && process.getuid?.() !== 0)
      return { ...(await runAsRoot(script, options.cwd, request, streaming)), connectionLost: false };
    const result = await session.run({ script, timeoutMs: request.timeoutMs, signal: request.signal, ...streaming });
    const exportedEnv = result.exitCode === 0 && result.declaredEnv !== undefined ? readExportedEnv(result.declaredEnv) : undefined;
    return { ...pickResult(result), connectionLost: false, ...(exportedEnv ? { exportedEnv } : {}) };
  };
  return {
    run(request) {
      const result = queue.then(() => run(request));
      queue = result.catch(() => undefined);
      return result;
    },
    close: () => session.close(),
  };
}

/** Under sudo, in a bash of its own: the script in a private file, never on a command line where `ps` shows it. */
async function runAsRoot(script: string, cwd: string, request: ScriptRequest, streaming: Pick<ScriptRequest, 'onOutput' | 'onOmitted'>) {
  const scriptFile = path.join(request.scratchDir, `workstation-${process.pid}-${++rootScripts}.sh`);
  writeFileSync(scriptFile, script, { mode: 0o600 });
  try {
    return pickResult(
      await spawnTree('sudo', ['--non-interactive', 'bash', scriptFile], {
        cwd,
        timeoutMs: request.timeoutMs,
        signal: request.signal,
        ...streaming,
      }),
    );
  } finally {
    removeFile(scriptFile);
  }
}
let rootScripts = 0;

function pickResult(result: SessionRunResult) {
  const { exitCode, stdout, stderr, timedOut, interrupted, omitted } = result;
  return { exitCode, stdout, stderr, timedOut, interrupted, ...(omitted > 0 ? { omitted } : {}) };
}

/**
 * Reads `declare -px` into variables. Most steps export nothing new, so bash prints what it printed
 * after the step before: that text is parsed once (a copy is returned each time).
 */
function rememberLastEnv(): (declared: string) => Record<string, string> {
  let lastText: string | undefined;
  let lastEnv: Record<string, string> = Object.create(null);
  return (declared) => {
    if (declared !== lastText) {
      lastEnv = parseDeclareExports(declared);
      for (const name of SHELL_OWNED) delete lastEnv[name];
      lastText = declared;
    }
    return Object.assign(Object.create(null) as Record<string, string>, lastEnv);
  };
}
