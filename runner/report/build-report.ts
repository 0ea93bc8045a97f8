/**
 * The run report: one record per step and host, plus the versions the run used. This is what
 * `--report FILE.json` writes and what the site reads to show when a chapter last passed.
 * Every string in it is masked.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Book, Step } from '../book/types.js';
import type { HostResult, RunResult, StepStatus } from '../execute/results.js';
import type { Variables } from '../execute/variables.js';
import { maskDeep, maskFor } from '../mask/mask-secrets.js';

export const REPORT_FORMAT = 'kubeadm-lab-report/v1';

export interface ReportStep {
  id: string;
  /**
   * The step's hash (its text, attributes and include) when it ran: the site shows a result only
   * for this very text. Reports from before it was kept lack it.
   */
  hash?: string;
  chapter: string;
  title: string;
  kind: string;
  host: string;
  status: StepStatus;
  durationMs: number;
  attempts: number;
  exitCode: number;
  /** `docs/05-nodes.md:42`, relative to the book's root. */
  source: string;
  /** What the step printed on its last attempt (masked); kept for checks, which the site shows. */
  output?: string;
  failure?: { reason: string; message: string; diff?: string; tail: string };
}

export interface ReportChapter {
  name: string;
  title: string;
  slug: string;
  status: string;
  durationMs: number;
}

export interface RunReport {
  format: typeof REPORT_FORMAT;
  book: string;
  /** The book's git commit (`git rev-parse HEAD` in its folder); absent outside a git checkout. */
  commit?: string;
  /** The CI run that wrote this report, from GitHub Actions' environment. */
  runUrl?: string;
  status: RunResult['status'];
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** Pinned versions (book variables whose names end in _VERSION) as this run used them. */
  versions: Record<string, string>;
  chapters: ReportChapter[];
  steps: ReportStep[];
  /**
   * With --prove-checks: each check run once before its chapter. `failed` is what it should do;
   * `passed` means it proves nothing about its chapter's work. Reports from before the option lack it.
   */
  earlyChecks?: ReportStep[];
  /** What the book's diagnostics printed after a failure, before the cleanup. */
  diagnostics: { title: string; host: string; exitCode: number; output: string }[];
}

export function buildReport(book: Book, result: RunResult, variables: Variables): RunReport {
  const versions: Record<string, string> = {};
  for (const definition of book.vars) {
    if (definition.name.endsWith('_VERSION') && !variables.secret.has(definition.name)) {
      versions[definition.name] = variables.values.get(definition.name) ?? definition.default;
    }
  }
  const commit = readCommit(book.dir);
  const runUrl = readRunUrl(process.env);
  const report: RunReport = {
    format: REPORT_FORMAT,
    book: book.title,
    ...(commit ? { commit } : {}),
    ...(runUrl ? { runUrl } : {}),
    status: result.status,
    startedAt: result.startedAt,
    finishedAt: result.finishedAt,
    durationMs: result.durationMs,
    versions,
    chapters: result.chapters.map((chapter) => ({
      name: chapter.chapter.name,
      title: chapter.chapter.title,
      slug: chapter.chapter.slug,
      status: chapter.status,
      durationMs: chapter.durationMs,
    })),
    diagnostics: result.diagnostics,
    steps: result.chapters.flatMap((chapter) =>
      chapter.steps.flatMap((step) => step.hosts.map((host) => reportHost(book, chapter.chapter.name, step.step, host))),
    ),
    earlyChecks: result.chapters.flatMap((chapter) =>
      (chapter.earlyChecks ?? []).flatMap((check) => check.hosts.map((host) => reportHost(book, chapter.chapter.name, check.step, host))),
    ),
  };
  // Titles and sources come from the book, outputs from the run: mask them all in one place.
  return maskDeep(report, maskFor(variables));
}

function reportHost(book: Book, chapter: string, step: Step, host: HostResult): ReportStep {
  return {
    id: step.id,
    hash: step.hash,
    chapter,
    title: step.title,
    kind: step.kind,
    host: host.host,
    status: host.status,
    durationMs: host.durationMs,
    attempts: host.attempts,
    exitCode: host.exitCode,
    source: `${path.relative(book.root, step.position.file)}:${step.position.line}`,
    ...(step.kind === 'check' && host.attempts > 0 ? { output: host.stdout } : {}),
    ...(host.failure ? { failure: { ...host.failure } } : {}),
  };
}

/**
 * The commit the book's folder is checked out at, if it is a git checkout. Asked of git once per
 * folder: the reports are rebuilt after every step, and starting git each time cost more than the
 * step (about 4 ms).
 */
export function readCommit(dir: string): string | undefined {
  if (!commits.has(dir)) commits.set(dir, askGitForCommit(dir));
  return commits.get(dir);
}
const commits = new Map<string, string | undefined>();

function askGitForCommit(dir: string): string | undefined {
  try {
    return (
      execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined
    );
  } catch {
    return undefined;
  }
}

/** The GitHub Actions run's page, when the run happens in one. */
export function readRunUrl(env: NodeJS.ProcessEnv): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: id } = env;
  return server && repository && id ? `${server}/${repository}/actions/runs/${id}` : undefined;
}
