/**
 * `npm run lab chapter-2 --dry-run` gives `--dry-run` to npm, not to lab: npm keeps it as its own
 * setting (npm_config_dry_run=true) and lab, never seeing it, would run the chapter for real.
 * Every flag of lab's that npm took from this command line is found in npm_config_* and the run
 * is refused with the command that does what the reader meant.
 */
import { labCommand } from './spell-command.js';
import { OPTION_NAMES, optionType, UsageError, type OptionName } from './parse-arguments.js';

export interface TakenFlag {
  name: OptionName;
  /** `true` for a switch; a string flag's value when given as --flag=value. */
  value: string;
}

/** lab's flags npm took for itself; only meaningful when npm ran lab (npm_lifecycle_event=lab). */
export function findFlagsNpmTook(env: NodeJS.ProcessEnv): TakenFlag[] {
  const taken: TakenFlag[] = [];
  for (const name of OPTION_NAMES) {
    const value = env[`npm_config_${name.replace(/-/g, '_')}`];
    // npm exports every setting it has; unset ones are empty. --prefix is npm's own too, and npm
    // always sets it: only a value other than npm's global prefix was given on this command line.
    if (!value || (name === 'prefix' && value === env.npm_config_global_prefix)) continue;
    taken.push({ name, value });
  }
  return taken;
}

export function refuseFlagsNpmTook(argv: readonly string[], env: NodeJS.ProcessEnv): void {
  if (env.npm_lifecycle_event !== 'lab') return;
  const taken = findFlagsNpmTook(env);
  if (taken.length === 0) return;
  // A string flag npm took as a switch left its value among the arguments, where lab cannot tell it.
  const lostValue = taken.some((flag) => optionType(flag.name) === 'string' && flag.value === 'true');
  const flags = taken.map((flag) =>
    optionType(flag.name) === 'boolean'
      ? `--${flag.name}`
      : flag.value === 'true'
        ? `--${flag.name} VALUE`
        : `--${flag.name}=${flag.value}`,
  );
  const settings = taken.map((flag) => `npm_config_${flag.name.replace(/-/g, '_')}=${flag.value}`).join(', ');
  const command = `${labCommand(env)} ${[...(lostValue ? ['ARGUMENTS'] : argv), ...flags].join(' ')}`;
  throw new UsageError(
    `npm took ${flags.map((flag) => flag.replace(/[= ].*/, '')).join(', ')} for itself (it set ${settings}), so lab never saw ${taken.length === 1 ? 'it' : 'them'}; nothing was run.\n` +
      `Put \`--\` between \`npm run lab\` and lab's arguments: ${command}` +
      (lostValue ? `\n(with each flag right before its value; npm left the values among the arguments: ${argv.join(' ') || 'none'})` : '') +
      `\nIf you set ${settings.replace(/=[^,]*/g, '')} in your environment or .npmrc, unset ${taken.length === 1 ? 'it' : 'them'} there.`,
  );
}
