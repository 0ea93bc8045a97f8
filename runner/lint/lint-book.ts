/**
 * `lab check`: everything about the book that can be verified offline, in a second, before a
 * cloud is touched. Each rule is a module of this folder with the shape of rule.ts; RULES lists
 * them, the ones that wait for a tool first so the tools run while the others think.
 */
import type { CommandStep } from '../book/types.js';
import { readBook } from '../book/load-book.js';
import { sortProblems, type Problem } from '../book/problems.js';
import { gcloudRule } from './check-gcloud.js';
import { gcloudExpressionsRule } from './check-gcloud-expressions.js';
import { kubectlRule } from './check-kubectl.js';
import { linksRule } from './check-links.js';
import { outputsRule } from './check-outputs.js';
import { privilegeRule } from './check-privilege.js';
import { secretsRule } from './check-secrets.js';
import { setERule } from './check-set-e.js';
import { variablesRule } from './check-variables.js';
import { versionOutputRule } from './check-version-output.js';
import { yamlRule } from './check-yaml.js';
import { k8sSchemaRule } from './check-k8s-schema.js';
import type { LintContext, Rule } from './rule.js';
import { shellcheckRule } from './run-shellcheck.js';
import { upstreamRule } from './check-upstream.js';

export const RULES: readonly Rule[] = [
  shellcheckRule,
  kubectlRule,
  upstreamRule,
  gcloudExpressionsRule,
  variablesRule,
  outputsRule,
  linksRule,
  secretsRule,
  yamlRule,
  k8sSchemaRule,
  gcloudRule,
  privilegeRule,
  setERule,
  versionOutputRule,
];

export interface LintResult {
  problems: Problem[];
  /** Parts that could not run here, said out loud so nobody mistakes them for passing. */
  skipped: string[];
  chapters: number;
  steps: number;
}

export interface LintOptions {
  online?: boolean;
  /** Only these rules (the doc tests run one at a time). */
  rules?: readonly Rule[];
}

export async function lintBook(dir: string, options: LintOptions = {}): Promise<LintResult> {
  const { book, problems } = readBook(dir);
  if (!book) return { problems, skipped: [], chapters: 0, steps: 0 };
  const steps = book.chapters.flatMap((chapter) => chapter.steps);
  const skipped: string[] = [];
  const context: LintContext = {
    book,
    commands: steps.filter((step): step is CommandStep => step.kind !== 'file'),
    online: options.online ?? false,
    skip: (notice) => skipped.push(notice),
  };
  const found = await Promise.all((options.rules ?? RULES).map((rule) => rule.check(context)));
  return { problems: sortProblems([...problems, ...found.flat()]), skipped, chapters: book.chapters.length, steps: steps.length };
}
