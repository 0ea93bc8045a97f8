/**
 * The command line: `lab [run] CHAPTER...`, `lab list`, `lab status`, ... One table says which
 * flags there are, what each means and which commands take it; parsing, the refusal of a flag a
 * command does not take, "did you mean" and every help text come from it.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { LabError } from '../errors.js';
import { parseDuration } from '../parse/block-grammar.js';
import { findNearest } from './find-nearest.js';
import { spellCommand } from './spell-command.js';

export const COMMANDS = [
  'run',
  'check',
  'list',
  'status',
  'reset',
  'janitor',
  'build',
  'preview',
  'emulator',
  'rehearse',
  'help',
  'version',
] as const;
export type CommandName = (typeof COMMANDS)[number];

export interface Arguments {
  command: CommandName;
  chapters: string[];
  /** help: the command whose help to show; undefined for the overview. */
  helpFor?: CommandName;
  book: string;
  state: string;
  all: boolean;
  restart: boolean;
  withDeps: boolean;
  force: boolean;
  keep: boolean;
  dryRun: boolean;
  /** Run each chapter's checks once before it; one that passes then proves nothing. */
  proveChecks: boolean;
  verbose: boolean;
  reports: string[];
  parallel: number;
  inventory?: string;
  ssh: 'openssh' | 'gcloud';
  iap: boolean;
  /** janitor: what counts as left over. */
  olderThanMs: number;
  /** janitor: delete instead of listing. */
  yes: boolean;
  /** janitor: the name prefix, when not the book's. */
  prefix?: string;
  /** build and preview: where the site goes. */
  out: string;
  /** preview: the port on localhost; 0 lets the system choose a free one. */
  port: number;
  /** list, status and check: print JSON (documented in docs/appendix-verification.md) instead of text. */
  json: boolean;
  /** check: also render what the book applies from upstream at its pins. */
  online: boolean;
}

/** A command line `lab` cannot act on: exit 2, nothing run. */
export class UsageError extends LabError {
  override name = 'UsageError';
}

type Option = { type: 'string' | 'boolean'; short?: string; multiple?: boolean; default?: string | boolean | string[] };

interface OptionHelp {
  /** The value's placeholder in help, for string options. */
  value?: string;
  help: string;
  /** The commands that take it; every command when absent. */
  commands?: readonly CommandName[];
}

const OPTIONS = {
  book: { type: 'string', default: 'docs' },
  state: { type: 'string', default: '.lab' },
  all: { type: 'boolean', default: false },
  restart: { type: 'boolean', default: false },
  'with-deps': { type: 'boolean', default: false },
  force: { type: 'boolean', default: false },
  keep: { type: 'boolean', default: false },
  'dry-run': { type: 'boolean', default: false },
  'prove-checks': { type: 'boolean', default: false },
  verbose: { type: 'boolean', short: 'v', default: false },
  report: { type: 'string', multiple: true, default: [] as string[] },
  parallel: { type: 'string', default: '0' },
  inventory: { type: 'string' },
  ssh: { type: 'string', default: 'openssh' },
  'tunnel-through-iap': { type: 'boolean', default: false },
  'older-than': { type: 'string', default: '3h' },
  yes: { type: 'boolean', default: false },
  prefix: { type: 'string' },
  out: { type: 'string', default: 'site' },
  port: { type: 'string', default: '4173' },
  json: { type: 'boolean', default: false },
  online: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  version: { type: 'boolean', default: false },
} satisfies ParseArgsConfig['options'] & Record<string, Option>;

export type OptionName = keyof typeof OPTIONS;
export const OPTION_NAMES = Object.keys(OPTIONS) as OptionName[];

/** The commands that keep progress in a --state folder (emulator's --state is a file of its own). */
export const STATE_COMMANDS: readonly CommandName[] = ['run', 'list', 'status', 'reset', 'janitor', 'rehearse'];

const OPTION_HELP: Record<OptionName, OptionHelp> = {
  book: { value: 'DIR', help: "the book's folder, holding book.yaml (default: docs)" },
  state: {
    value: 'DIR',
    help: "where progress, variables and logs live (default: .lab); emulator:\na FILE that keeps the emulator's resources across restarts",
    commands: [...STATE_COMMANDS, 'emulator'],
  },
  all: { help: 'every chapter, then the cleanup chapter, even after a failure', commands: ['run'] },
  restart: { help: 'run the chosen chapters from their first step', commands: ['run'] },
  'with-deps': { help: 'run earlier chapters that have not passed first', commands: ['run'] },
  force: { help: 'run even though earlier chapters have not passed', commands: ['run'] },
  keep: { help: 'with --all: do not run the cleanup chapter', commands: ['run', 'rehearse'] },
  'dry-run': { help: 'print the plan and run nothing', commands: ['run'] },
  'prove-checks': {
    help: "before each chapter, run its checks once: they must fail, or they\nprove nothing about the chapter's work (a run that does fails)",
    commands: ['run'],
  },
  verbose: { help: "stream every step's output", commands: ['run', 'rehearse'] },
  report: {
    value: 'FILE',
    help: 'run: write a report, FILE.json (run report) or FILE.xml (JUnit); may\nrepeat. build: show run reports FILE.json on the pages; may\nrepeat, in any order (older ones give the date each chapter last passed)',
    commands: ['run', 'build'],
  },
  parallel: { value: 'N', help: 'run a step on at most N hosts at once (default: all)', commands: ['run'] },
  inventory: { value: 'FILE', help: 'reach hosts through a hosts file instead of GCE', commands: ['run'] },
  ssh: { value: 'openssh|gcloud', help: 'how to reach GCE instances (default: openssh)', commands: ['run'] },
  'tunnel-through-iap': { help: 'with --ssh gcloud: go through Identity-Aware Proxy', commands: ['run'] },
  'older-than': { value: 'AGE', help: 'what counts as left over (default: 3h)', commands: ['janitor'] },
  yes: { help: 'delete, instead of listing what would be deleted', commands: ['janitor'] },
  prefix: { value: 'NAME', help: "the instances' name prefix, when not the book's", commands: ['janitor'] },
  out: { value: 'DIR', help: 'where the site goes (default: site)', commands: ['build', 'preview'] },
  port: { value: 'PORT', help: 'the port on 127.0.0.1 (default: 4173; 0 picks a free one)', commands: ['preview'] },
  json: { help: 'print JSON with stable field names instead of text', commands: ['list', 'status', 'check'] },
  online: { help: 'also render what the book applies from upstream at its pins and check it', commands: ['check'] },
  help: { help: 'this help (lab COMMAND --help: the help of one command)' },
  version: { help: "lab's version" },
};

/** Each command's forms, with what each does (a description may wrap with \n). */
const COMMAND_HELP: Record<CommandName, [form: string, description: string][]> = {
  run: [
    ['run CHAPTER...', "run chapters (chapter-3, 3, or the file's name); resumes where it stopped"],
    ['CHAPTER...', 'the same as run CHAPTER...'],
    ['run --all', 'every chapter, then the cleanup chapter, even after a failure'],
  ],
  check: [
    [
      'check',
      'verify the book offline: grammar, variables, shellcheck, gcloud and\nkubectl through the real tools, Kubernetes schemas, privileges,\noutputs, links, secrets (--online: also what it applies from upstream)',
    ],
  ],
  list: [['list', 'chapters with their status and step counts']],
  status: [['status', 'what the state holds: variables, failures, what to run next']],
  reset: [['reset [CHAPTER...]', 'forget progress (of some chapters, or all of it and the variables)']],
  janitor: [
    ['janitor [--yes]', "list (or, with --yes, delete) the lab's resources older than\n--older-than (default 3h), in dependency order"],
  ],
  build: [['build [--out DIR]', 'the book as a static site (default: site/); --report run.json shows a run']],
  preview: [['preview', 'serve the site on localhost (--port, default 4173), rebuilding on save']],
  emulator: [
    [
      'emulator [--state FILE]',
      'a Compute Engine emulator for the real gcloud; prints the export\nlines that point a shell at it; --state FILE keeps it; Ctrl-C stops it',
    ],
  ],
  rehearse: [
    [
      'rehearse [CHAPTER...]',
      'the book for real against an emulator, as far as it can go offline,\nthen the cleanup chapter (not with --keep) and a proof that nothing is left',
    ],
  ],
  help: [['help [COMMAND]', 'this help, or the options of one command']],
  version: [['--version', "lab's version"]],
};

export function parseArguments(argv: readonly string[]): Arguments {
  refuseUnknownOptions(argv);
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.replace(/\.$/, '')}; see \`${spellCommand('help')}\``);
  }
  const { values, positionals } = parsed;
  const first = positionals[0];
  const named = (COMMANDS as readonly string[]).includes(first ?? '');
  const given = named ? (first as CommandName) : 'run';
  const rest = named ? positionals.slice(1) : positionals;

  if (values.version) return readDefaults('version');
  if (values.help || given === 'help') {
    const about = given === 'help' ? rest[0] : named ? given : undefined;
    if (about !== undefined && !(COMMANDS as readonly string[]).includes(about)) {
      throw new UsageError(`There is no command \`${about}\`${suggest(about, COMMANDS)}; commands are ${COMMANDS.join(', ')}`);
    }
    return { ...readDefaults('help'), ...(about ? { helpFor: about as CommandName } : {}) };
  }
  // `lab lsit` would otherwise look for a chapter named lsit; chapters have digits or dashes.
  const meant = !named && first !== undefined && !/[\d-]/.test(first) ? findNearest(first, COMMANDS) : undefined;
  if (meant) {
    throw new UsageError(
      `There is no command \`${first}\` (did you mean \`${spellCommand(meant)}\`?); to run a chapter, name it: \`${spellCommand('run chapter-3')}\`, 3 or its file's name`,
    );
  }
  refuseForeignOptions(argv, given);
  refuseRepeatedValues(argv);
  refuseEmptyValues(argv);
  if (given === 'version') return readDefaults('version');
  return readValues(values, given, rest);
}

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>['values'];

/** help and version read no flags; their arguments are the defaults. */
function readDefaults(command: 'help' | 'version'): Arguments {
  return readValues(parseArgs({ args: [], options: OPTIONS, allowPositionals: true, strict: true }).values, command, []);
}

function readValues(values: Values, command: CommandName, chapters: string[]): Arguments {
  if (chapters.length > 0 && !['run', 'reset', 'rehearse'].includes(command)) {
    throw new UsageError(
      `\`${spellCommand(command)}\` takes no arguments, but was given ${chapters.map((word) => `\`${word}\``).join(' ')}`,
    );
  }

  const parallel = Number(values.parallel);
  if (!/^\d+$/.test(values.parallel) || !Number.isSafeInteger(parallel)) {
    throw new UsageError(`--parallel takes a whole number of hosts (0 means all at once), not \`${values.parallel}\``);
  }
  if (values.ssh !== 'openssh' && values.ssh !== 'gcloud') {
    throw new UsageError(`--ssh is openssh (the default) or gcloud, not \`${values.ssh}\``);
  }
  for (const report of values.report) {
    if (!/\.(json|xml)$/i.test(report)) {
      throw new UsageError(`--report ${report}: name a .json file (the run report) or an .xml file (JUnit)`);
    }
  }
  const olderThanMs = parseDuration(values['older-than']);
  if (olderThanMs === undefined) throw new UsageError(`--older-than takes a duration such as 3h or 90m, not \`${values['older-than']}\``);
  const port = readPort(values.port);
  if (command === 'run' && !values.all && chapters.length === 0) {
    throw new UsageError(
      `Name the chapter to run (\`${spellCommand('run chapter-3')}\`) or pass --all; \`${spellCommand('list')}\` shows the chapters`,
    );
  }
  if (values.all && chapters.length > 0) {
    throw new UsageError(`--all runs every chapter; drop it or drop ${chapters.join(' ')}`);
  }
  return {
    command,
    chapters,
    book: values.book,
    state: values.state,
    all: values.all,
    restart: values.restart,
    withDeps: values['with-deps'],
    force: values.force,
    keep: values.keep,
    dryRun: values['dry-run'],
    proveChecks: values['prove-checks'],
    verbose: values.verbose,
    reports: values.report,
    parallel,
    ...(values.inventory ? { inventory: values.inventory } : {}),
    ssh: values.ssh,
    iap: values['tunnel-through-iap'],
    olderThanMs,
    yes: values.yes,
    ...(values.prefix ? { prefix: values.prefix } : {}),
    out: values.out,
    port,
    json: values.json,
    online: values.online,
  };
}

function readPort(text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 0 && port <= 65_535)) {
    throw new UsageError(`--port takes a port number from 1 to 65535 (or 0 for any free port), not \`${text}\``);
  }
  return port;
}

/** `--dry-rn` is answered with the nearest flag there is, before node's own message. */
function refuseUnknownOptions(argv: readonly string[]): void {
  const { tokens } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: false, tokens: true });
  for (const token of tokens) {
    if (token.kind !== 'option' || Object.hasOwn(OPTIONS, token.name)) continue;
    const known = OPTION_NAMES.map((name) => `--${name}`);
    const nearest = token.rawName.startsWith('--') ? findNearest(token.rawName, known) : undefined;
    throw new UsageError(
      `Unknown option \`${token.rawName}\`${nearest ? `; did you mean ${nearest}?` : ''} See \`${spellCommand('help')}\` for the options.`,
    );
  }
}

/** A flag another command takes is refused, not ignored: `lab list --all` would mislead. */
function refuseForeignOptions(argv: readonly string[], command: CommandName): void {
  const { tokens } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: false, tokens: true });
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const takers = OPTION_HELP[token.name as OptionName].commands;
    if (takers && !takers.includes(command)) {
      throw new UsageError(
        `\`${spellCommand(command)}\` does not take ${token.rawName}; it is for ${takers.map((name) => `\`${name}\``).join(', ')}. See \`${spellCommand(`${command} --help`)}\`.`,
      );
    }
  }
}

/** `--book a --book b` would quietly take b; a flag that holds one value is given once (or twice alike). */
function refuseRepeatedValues(argv: readonly string[]): void {
  const { tokens } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: false, tokens: true });
  const seen = new Map<string, string>();
  for (const token of tokens) {
    if (token.kind !== 'option' || token.value === undefined) continue;
    const option = OPTIONS[token.name as OptionName] as Option;
    if (option.multiple) continue;
    const before = seen.get(token.name);
    if (before !== undefined && before !== token.value) {
      throw new UsageError(`--${token.name} is given twice, as \`${before}\` and \`${token.value}\`; give it once`);
    }
    seen.set(token.name, token.value);
  }
}

/**
 * `--inventory "$HOSTS"` with HOSTS unset would quietly mean no hosts file (GCE, for real), and
 * `--prefix ''` the book's prefix: an empty value is refused, never read as the flag's absence.
 */
function refuseEmptyValues(argv: readonly string[]): void {
  const { tokens } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: false, tokens: true });
  const empty = tokens.find((token) => token.kind === 'option' && token.value === '');
  if (empty?.kind === 'option') {
    throw new UsageError(`--${empty.name} was given an empty value (an unset variable?); give it a value, or leave the flag out`);
  }
}

function suggest(word: string, candidates: readonly string[]): string {
  const nearest = findNearest(word, candidates);
  return nearest ? ` (did you mean \`${nearest}\`?)` : '';
}

/** Whether a flag takes a value; npm leaves a flag's value behind as an argument when it takes the flag. */
export function optionType(name: OptionName): 'string' | 'boolean' {
  return OPTIONS[name].type;
}

/** `lab help`, or one command's help; commands are spelled as the reader runs them. */
export function formatHelp(command?: CommandName): string {
  return command ? formatCommandHelp(command) : formatOverview();
}

function formatOverview(): string {
  const lines = ["lab: run the book's steps and check what it says should happen", '', 'Usage:'];
  for (const name of COMMANDS) {
    if (name === 'help' || name === 'version') continue;
    for (const [form, description] of COMMAND_HELP[name]) lines.push(...formatEntry(spellCommand(form), description));
  }
  lines.push('', 'Options:');
  for (const name of OPTION_NAMES) lines.push(...formatOption(name));
  lines.push(
    '',
    `\`${spellCommand('COMMAND --help')}\` shows the options of one command.`,
    'Exit status: 0 passed, 1 a step or check failed, 2 bad input, 3 a preflight failed',
    '(a missing tool or credentials), 130 interrupted, 70 a bug in lab.',
  );
  return `${lines.join('\n')}\n`;
}

function formatCommandHelp(command: CommandName): string {
  const forms = COMMAND_HELP[command];
  const lines = [`${spellCommand(command)}: ${forms[0]![1].replace(/\n/g, ' ')}`, '', 'Usage:'];
  for (const [form, description] of forms) lines.push(...formatEntry(spellCommand(form), description));
  const options = OPTION_NAMES.filter((name) => OPTION_HELP[name].commands?.includes(command) ?? name !== 'version');
  lines.push('', 'Options:');
  for (const name of options) lines.push(...formatOption(name));
  return `${lines.join('\n')}\n`;
}

function formatOption(name: OptionName): string[] {
  const option = OPTIONS[name] as Option;
  const { value, help } = OPTION_HELP[name];
  const flag = `${option.short ? `-${option.short}, ` : ''}--${name}${value ? ` ${value}` : ''}`;
  return formatEntry(flag, help);
}

/** Two columns: the form on the left, the description wrapped at its own newlines on the right. */
function formatEntry(form: string, description: string): string[] {
  const width = 26;
  const [first = '', ...more] = description.split('\n');
  const head = form.length + 2 < width ? [`  ${form.padEnd(width - 2)}${first}`] : [`  ${form}`, `${' '.repeat(width)}${first}`];
  return [...head, ...more.map((line) => `${' '.repeat(width)}${line}`)];
}
