/**
 * Every command `lab` tells the reader to type is spelled the way they run it: `npm run lab --
 * run chapter-3` when npm started it (npm names the script in npm_lifecycle_event), `lab run
 * chapter-3` otherwise. The `--` matters: without it npm takes lab's flags for its own.
 */

export function spellCommand(args: string, env: NodeJS.ProcessEnv = process.env): string {
  return `${labCommand(env)} ${args}`;
}

export function labCommand(env: NodeJS.ProcessEnv = process.env): string {
  return isRunByNpm(env) ? 'npm run lab --' : 'lab';
}

export function isRunByNpm(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.npm_lifecycle_event === 'lab';
}

/** Messages written in lab's own spelling (`lab reset`, in backquotes) respelled for the reader. */
export function respellCommands(text: string, env: NodeJS.ProcessEnv = process.env): string {
  return isRunByNpm(env) ? text.replace(/`lab /g, `\`${labCommand(env)} `) : text;
}
