/** The book model: what the parser produces and every other part reads. */

/** A position in a source file, 1-based like every editor. */
export interface Position {
  file: string;
  line: number;
  column: number;
}

/** The kinds of runnable block (see docs/appendix-verification.md for the grammar). */
export type StepKind = 'gcloud' | 'apt' | 'kubeadm' | 'kubectl' | 'sh' | 'check' | 'file';

/** Where a step runs, as written in `on=`: host names, group names or `workstation`. */
export type Target = readonly string[];

/** Expected output written in an `output` block after a step. */
export interface ExpectedOutput {
  text: string;
  position: Position;
}

interface StepBase {
  /** Unique across the book: `id=` or `<chapter-slug>-<n>`. */
  id: string;
  /** The 1-based index of the step inside its chapter. */
  index: number;
  chapter: string;
  title: string;
  /** Where the fence opens in the chapter. */
  position: Position;
  /** `on=` as written, or the kind's default. */
  target: Target;
  /** A step is killed after this many milliseconds; a check retries until it. */
  timeoutMs: number;
  /** Extra attempts after a failure. */
  retries: number;
  /** Go on with the next step when this one fails. */
  optional: boolean;
  /** Mask this step's output and any value it captures. */
  secret: boolean;
  /** Runs as root on its hosts: always for apt, kubeadm and file, with `root` for the others. */
  root: boolean;
  /** Hash of everything that changes what the step does (its text, attributes and include). */
  hash: string;
  /** Names of the variables the step reads. */
  uses: string[];
  /** The fence's language and attribute string, for messages and the site. */
  lang: string;
  meta: string;
}

/** A shell step: gcloud, apt, kubeadm, kubectl, sh, or check. */
export interface CommandStep extends StepBase {
  kind: Exclude<StepKind, 'file'>;
  script: string;
  /** Expected exit status. */
  exit: number;
  /** Variable set from the trimmed stdout. */
  capture?: string;
  /** Check retry interval in milliseconds. */
  everyMs: number;
  expected?: ExpectedOutput;
  /** A check that may rightly pass before its chapter runs (`may-pass-early`): --prove-checks leaves it out. */
  mayPassEarly: boolean;
}

/** A `file` block: writes content (inline or from an include) to a path. */
export interface FileStep extends StepBase {
  kind: 'file';
  path: string;
  content: string;
  /** The snippet path relative to the book's root, when the content came from one. */
  include?: string;
  /** Octal mode such as `0600`. */
  mode?: string;
}

export type Step = CommandStep | FileStep;

/** A heading inside a chapter, kept for titles and the site outline. */
export interface Heading {
  depth: number;
  text: string;
  line: number;
}

/** A Markdown page of the book: a chapter, or an appendix that is read and never run. */
export interface Page {
  /** `chapter-N` or `appendix-N`, from its place in book.yaml. */
  name: string;
  /** 1-based place in its list in book.yaml. */
  number: number;
  /** The file name without `.md`. */
  slug: string;
  /** Absolute path of the Markdown file. */
  file: string;
  title: string;
  headings: Heading[];
}

export interface Chapter extends Page {
  steps: Step[];
  isCleanup: boolean;
}

export interface VariableDefinition {
  name: string;
  default: string;
  description?: string;
  secret: boolean;
  /** The values the book accepts (book.yaml's `valid:`): a regular expression with the u flag, and the rule in words. */
  valid?: { pattern: string; message: string };
}

export interface Book {
  /** Absolute path of the book's folder (the one holding book.yaml). */
  dir: string;
  /** Absolute path of the project root that `include=` paths are relative to. */
  root: string;
  title: string;
  chapters: Chapter[];
  appendices: Page[];
  /** Group name to host names; `all` is every host. */
  groups: Record<string, string[]>;
  hosts: string[];
  vars: VariableDefinition[];
  /** Name (`chapter-N`) of the chapter that tears everything down, if any. */
  cleanup?: string;
  /** Where the book's source lives, for edit links. */
  repository?: string;
  /** Run after a failure, before the cleanup chapter; their output goes into the report. */
  diagnostics: Diagnostic[];
  /** The variables that hold the GCE project, zone and instance-name prefix. */
  gce: { project: string; zone: string; prefix: string };
}

/** A command that shows the state of things when a run has failed (chainsaw's `catch`). */
export interface Diagnostic {
  title: string;
  script: string;
  target: Target;
}

export const WORKSTATION = 'workstation';
