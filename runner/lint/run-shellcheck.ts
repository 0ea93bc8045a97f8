/**
 * shellcheck on every runnable shell block, all in one shellcheck process (one file per block in
 * a temporary folder), with findings moved back to the chapter's lines. SC2154 (a variable used
 * but never set) is left to check-variables, which knows the book's variables across blocks.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runTool } from '../execute/run-tool.js';
import type { CommandStep } from '../book/types.js';
import type { Problem } from '../book/problems.js';
import { findOnPath } from '../execute/preflight.js';
import { problemAt } from './locate.js';
import type { Rule } from './rule.js';

interface Finding {
  file: string;
  line: number;
  column: number;
  level: string;
  code: number;
  message: string;
}

// SC2164 (cd without || exit) does not apply: every step runs under set -e.
export const SHELLCHECK_ARGS = ['--shell=bash', '--severity=warning', '--exclude=SC2154,SC2164', '--format=json1'];

/** Undefined when shellcheck is not installed; the caller says it was skipped. */
export async function runShellcheck(steps: CommandStep[]): Promise<Problem[] | undefined> {
  if (!findOnPath('shellcheck')) return undefined;
  if (steps.length === 0) return [];
  const dir = mkdtempSync(path.join(tmpdir(), 'lab-shellcheck-'));
  try {
    const files = steps.map((step, index) => {
      const file = path.join(dir, `block-${index}.sh`);
      writeFileSync(file, `${step.script}\n`);
      return file;
    });
    const result = await runTool('shellcheck', [...SHELLCHECK_ARGS, ...files], {
      stdin: 'ignore',
      maxBuffer: 64 * 1024 * 1024,
    });
    // 0: clean, 1: findings; anything else is shellcheck failing.
    if (result.exitCode !== 0 && result.exitCode !== 1)
      throw new Error(`shellcheck failed (exit status ${result.exitCode}): ${result.stderr.trim()}`);
    const findings = (JSON.parse(result.stdout || '{"comments":[]}') as { comments: Finding[] }).comments;
    return findings.map((finding) => {
      const step = steps[files.indexOf(finding.file)]!;
      return problemAt(
        { file: step.position.file, line: step.position.line + finding.line, column: finding.column + step.position.column - 1 },
        `${finding.message} (shellcheck SC${finding.code})`,
        `SC${finding.code}`,
      );
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const shellcheckRule: Rule = {
  name: 'shellcheck',
  doc: {
    summary: 'shellcheck finds nothing at severity warning or above in a shell step; the id is its code (`SC2086`, ...).',
    bad: { chapter: '```sh {sh}\nfor f in $(ls /tmp); do echo "$f"; done\n```\n', findings: ['2:10 SC2045'] },
    good: { chapter: '```sh {sh}\nfor f in /tmp/*; do echo "$f"; done\n```\n' },
  },
  async check({ commands, skip }) {
    const problems = await runShellcheck(commands);
    if (problems) return problems;
    skip('shell blocks were not checked by shellcheck: it is not installed (apt-get install shellcheck)');
    return [];
  },
};
