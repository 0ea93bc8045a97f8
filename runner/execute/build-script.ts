/**
 * Builds the bash script a transport runs for a step. Everything the runner adds goes on the
 * first line, so bash's `line N` in an error is line N-1 of the block as the book shows it.
 */
import path from 'node:path';
import type { CommandStep, FileStep, Step } from '../book/types.js';
import { findVariableReferences } from '../parse/find-variables.js';
import { quoteForBash } from './shell-quote.js';

/** apt waits for a held dpkg lock (unattended-upgrades on a fresh VM) instead of failing. */
const APT_PRELUDE =
  'export DEBIAN_FRONTEND=noninteractive; ' +
  'apt-get() { command apt-get -o DPkg::Lock::Timeout=600 "$@"; }; ' +
  'apt() { command apt -o DPkg::Lock::Timeout=600 "$@"; }; ';

export function buildStepScript(step: Step, vars: ReadonlyMap<string, string>): string {
  return step.kind === 'file' ? buildFileScript(step, vars) : buildCommandScript(step);
}

function buildCommandScript(step: CommandStep): string {
  const prelude = `set -euo pipefail; ${step.kind === 'apt' ? APT_PRELUDE : ''}`;
  return `${prelude}\n${step.script}\n`;
}

export class MissingVariableError extends Error {
  constructor(readonly names: string[]) {
    super(`uses ${names.map((name) => `\${${name}}`).join(', ')}, which ${names.length === 1 ? 'is' : 'are'} not set`);
  }
}

/** `${NAME}` in a file block becomes the variable's value; `$NAME` stays as written. */
export function substituteFileVariables(content: string, vars: ReadonlyMap<string, string>): string {
  const missing = findVariableReferences(content)
    .filter((reference) => reference.braced && !vars.has(reference.name))
    .map((reference) => reference.name);
  if (missing.length > 0) throw new MissingVariableError([...new Set(missing)]);
  return content.replace(/(\\?)\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, escape: string, name: string) =>
    escape ? whole : vars.get(name)!,
  );
}

/** Writes the file next to its target and renames it into place, so no reader sees half a file. */
function buildFileScript(step: FileStep, vars: ReadonlyMap<string, string>): string {
  const content = substituteFileVariables(step.content, vars);
  const file = substituteFileVariables(step.path, vars);
  const target = file.startsWith('~/') ? `"$HOME"/${quoteForBash(file.slice(2))}` : quoteForBash(file);
  const dir = path.posix.dirname(file);
  const targetDir = dir.startsWith('~') ? `"$HOME"/${quoteForBash(dir.slice(2) || '.')}` : quoteForBash(dir);
  return (
    `set -euo pipefail; ` +
    `mkdir -p ${targetDir}; ` +
    `tmp=$(mktemp ${target}.lab.XXXXXX); ` +
    `printf '%s' ${quoteForBash(content)} > "$tmp"; ` +
    `chmod ${step.mode ?? '0644'} "$tmp"; ` +
    `mv -f "$tmp" ${target}\n`
  );
}
