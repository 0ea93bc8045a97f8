/** The command line: `lab [run] CHAPTER...`, `lab list`, `lab status`, `lab reset`. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseDuration } from '../parse/block-grammar.js';

export const COMMANDS = ['run', 'check', 'list', 'status', 'reset', 'janitor', 'build', 'preview', 'emulator', 'rehearse', 'help'] as const;
export type CommandName = (typeof COMMANDS)[number];

export interface Arguments {
  command: CommandName;
  chapters: string[];
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
  /** preview: the port on localhost. */
  port: number;
}

export class UsageError extends Error {
  override name = 'UsageError';
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
  help: { type: 'boolean', short: 'h', default: false },
} satisfies ParseArgsConfig['options'];

export function parseArguments(argv: readonly string[]): Arguments {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.replace(/\.$/, '')}; see \`lab help\``);
  }
  const { values, positionals } = parsed;
  const first = positionals[0];
  const named = (COMMANDS as readonly string[]).includes(first ?? '');
  const command: CommandName = values.help ? 'help' : named ? (first as CommandName) : 'run';
  const chapters = named ? positionals.slice(1) : positionals;

  const parallel = Number(values.parallel);
  if (!Number.isInteger(parallel) || parallel < 0) {
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
  if (command === 'run' && !values.all && chapters.length === 0) {
    throw new UsageError('Name the chapter to run (`lab run chapter-3`) or pass --all; `lab list` shows the chapters');
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
    port: Number(values.port),
  };
}

export const HELP = `lab: run the book's steps and check what it says should happen

Usage:
  lab run CHAPTER...        run chapters (chapter-3, 3, or the file's name); resumes where it stopped
  lab CHAPTER...            the same as lab run
  lab run --all             every chapter, then the cleanup chapter, even after a failure
  lab check                 verify the book offline: grammar, variables, shellcheck, gcloud
                            commands, YAML and kubeadm config, outputs, links, secrets
  lab list                  chapters with their status and step counts
  lab status                what the state holds: variables, failures, what to run next
  lab reset [CHAPTER...]    forget progress (of some chapters, or all of it and the variables)
  lab build [--out DIR]     the book as a static site (default: site/); --report run.json shows a run
  lab preview               serve the site on localhost (--port, default 4173), rebuilding on save
  lab janitor [--yes]       list (or, with --yes, delete) the lab's resources older than
                            --older-than (default 3h), in dependency order
  lab emulator [--state FILE]  a Compute Engine emulator for the real gcloud; prints the
                            export lines that point a shell at it; Ctrl-C stops it
  lab rehearse [CHAPTER...] the book for real against an emulator, as far as it can go
                            offline, then the cleanup chapter (not with --keep) and a proof
                            that nothing is left

Options:
  --book DIR                the book's folder, holding book.yaml (default: docs)
  --state DIR               where progress, variables and logs live (default: .lab)
  --restart                 run the chosen chapters from their first step
  --with-deps               run earlier chapters that have not passed first
  --force                   run even though earlier chapters have not passed
  --keep                    with --all: do not run the cleanup chapter
  --dry-run                 print the plan and run nothing
  --prove-checks            before each chapter, run its checks once: they must fail, or they
                            prove nothing about the chapter's work (a run that does fails)
  -v, --verbose             stream every step's output
  --report FILE             write a report: FILE.json (run report) or FILE.xml (JUnit); may repeat
  --parallel N              run a step on at most N hosts at once (default: all)
  --inventory FILE          reach hosts through a hosts file instead of GCE
  --ssh openssh|gcloud      how to reach GCE instances (default: openssh)
  --tunnel-through-iap      with --ssh gcloud: go through Identity-Aware Proxy
  -h, --help                this help

Exit status: 0 passed, 1 a step or check failed, 2 bad input, 3 a preflight failed
(a missing tool or credentials), 130 interrupted.
`;
