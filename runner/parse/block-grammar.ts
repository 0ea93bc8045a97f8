/**
 * The block grammar: the one place that says which fences are steps and what their attributes
 * mean. docs/appendix-verification.md documents it for authors; keep the two in step.
 *
 *     ```sh {kubeadm on=controller-0 id=init timeout=10m}
 *     ```text {output}
 *     ```yaml {file=/etc/kubernetes/kubeadm.yaml on=controller-0 include=snippets/kubeadm/init.yaml}
 */
import type { StepKind } from '../book/types.js';

export const STEP_KINDS = ['gcloud', 'apt', 'kubeadm', 'kubectl', 'sh', 'check', 'file'] as const satisfies readonly StepKind[];
export type BlockKind = StepKind | 'output';
export const BLOCK_KINDS: readonly BlockKind[] = [...STEP_KINDS, 'output'];

/** Kinds that must name their hosts; every other kind runs on the workstation unless `on=` says otherwise. */
export const REQUIRES_ON_KINDS: readonly StepKind[] = ['apt', 'kubeadm', 'file'];
/** Kinds whose scripts always run as root on a host; other kinds on a host say `root` to. */
export const ROOT_KINDS: readonly StepKind[] = ['apt', 'kubeadm', 'file'];

/** Flags: attributes without a value, and the kinds that accept each. */
export const FLAG_KINDS = {
  secret: STEP_KINDS,
  optional: STEP_KINDS,
  /** `lab run --prove-checks` does not require this check to fail before its chapter. */
  'may-pass-early': ['check'],
  /** Run as root (sudo) on its hosts: reading /etc/kubernetes/pki, crictl, journals. Hosts only. */
  root: ['sh', 'check', 'kubectl'],
} as const satisfies Record<string, readonly StepKind[]>;
export type Flag = keyof typeof FLAG_KINDS;
export const FLAGS = Object.keys(FLAG_KINDS) as Flag[];

/** Attributes with a value, and the kinds that accept each. */
export const VALUE_ATTRIBUTES = {
  on: STEP_KINDS,
  id: STEP_KINDS,
  title: STEP_KINDS,
  timeout: STEP_KINDS,
  every: ['check'],
  capture: ['gcloud', 'apt', 'kubeadm', 'kubectl', 'sh'],
  retries: STEP_KINDS,
  exit: ['gcloud', 'apt', 'kubeadm', 'kubectl', 'sh', 'check'],
  include: ['file'],
  file: ['file'],
  mode: ['file'],
} as const satisfies Record<string, readonly StepKind[]>;
export type ValueAttribute = keyof typeof VALUE_ATTRIBUTES;

export const DEFAULTS = {
  /** A step that hangs is killed after this long. */
  stepTimeoutMs: 15 * 60_000,
  /** A check keeps retrying for this long. */
  checkTimeoutMs: 2 * 60_000,
  checkEveryMs: 5_000,
} as const;

/** A shell variable name, as `capture=` takes it and `${NAME}` uses it. */
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Names bash keeps for itself: a value assigned to one is refused (readonly) or not kept, so a
 * step could never pass it on (checked against bash 5.2 by test/parse/block-grammar.test.ts).
 */
export const BASH_VARIABLES = [
  'BASHOPTS',
  'BASH_VERSINFO',
  'EUID',
  'PPID',
  'SHELLOPTS',
  'UID',
  'BASHPID',
  'RANDOM',
  'SRANDOM',
  'SECONDS',
  'LINENO',
  'EPOCHSECONDS',
  'EPOCHREALTIME',
  'GROUPS',
  'FUNCNAME',
  'BASH_COMMAND',
  'BASH_SUBSHELL',
  'HISTCMD',
  'DIRSTACK',
  'BASH_LINENO',
  'BASH_SOURCE',
  'BASH_ARGC',
  'BASH_ARGV',
  'BASH_ALIASES',
  'BASH_CMDS',
  'OPTIND',
] as const;

/** The runner's own shell variables are named `__lab_...`. */
export const RUNNER_VARIABLE_PREFIX = '__lab';

/** Why `name` cannot hold a captured value, or undefined when it can. */
export function findCaptureNameProblem(name: string): string | undefined {
  if (!VARIABLE_NAME.test(name)) return 'is not a shell variable name; use letters, digits and _, not starting with a digit';
  if ((BASH_VARIABLES as readonly string[]).includes(name))
    return 'is a variable bash sets itself, so the value would not be kept; choose another name';
  if (name.toLowerCase().startsWith(RUNNER_VARIABLE_PREFIX))
    return `is the runner's (names starting with ${RUNNER_VARIABLE_PREFIX} are reserved); choose another name`;
  // The state is JSON read into JavaScript objects, where these names are special.
  if (name in Object.prototype) return 'is a name the runner cannot store (it is special in JavaScript); choose another name';
  return undefined;
}

/** Node's timers hold at most 2^31-1 ms (about 24.8 days); a longer delay fires at once. */
export const MAX_DURATION_MS = 2 ** 31 - 1;
export const ID_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;
export const MODE_PATTERN = /^0?[0-7]{3}$/;

export function isBlockKind(word: string): word is BlockKind {
  return (BLOCK_KINDS as readonly string[]).includes(word);
}

export function isFlag(word: string): word is Flag {
  return Object.hasOwn(FLAG_KINDS, word);
}

export function isValueAttribute(word: string): word is ValueAttribute {
  return Object.hasOwn(VALUE_ATTRIBUTES, word);
}

/** `30s`, `10m`, `1h30m`, `500ms` -> milliseconds; undefined when the text is no duration. */
export function parseDuration(text: string): number | undefined {
  const match = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(text);
  if (!match || text === '') return undefined;
  const [, h = '0', m = '0', s = '0', ms = '0'] = match;
  return ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1000 + Number(ms);
}

/** The inverse of parseDuration, for messages: 90000 -> `1m30s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const totalSeconds = Math.round(ms / 1000);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
}
