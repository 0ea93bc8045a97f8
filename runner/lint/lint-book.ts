/**
 * `lab check`: everything about the book that can be verified offline, in a second, before a
 * cloud is touched. Each rule is a module of this folder.
 */
import type { CommandStep } from '../book/types.js';
import { readBook } from '../book/load-book.js';
import { sortProblems, type Problem } from '../book/problems.js';
import { checkGcloudCommands } from './check-gcloud.js';
import { checkLinks } from './check-links.js';
import { checkOutputs } from './check-outputs.js';
import { checkSecrets } from './check-secrets.js';
import { checkVariables } from './check-variables.js';
import { checkYaml, findYamlSources, rulesFor } from './check-yaml.js';
import { loadGcloudTree } from './gcloud-tree.js';
import { runShellcheck } from './run-shellcheck.js';

export interface LintResult {
  problems: Problem[];
  /** Parts that could not run here, said out loud so nobody mistakes them for passing. */
  skipped: string[];
  chapters: number;
  steps: number;
}

export async function lintBook(dir: string): Promise<LintResult> {
  const { book, problems } = readBook(dir);
  if (!book) return { problems, skipped: [], chapters: 0, steps: 0 };
  const steps = book.chapters.flatMap((chapter) => chapter.steps);
  const commands = steps.filter((step): step is CommandStep => step.kind !== 'file');
  const skipped: string[] = [];

  const shellcheck = runShellcheck(commands);
  problems.push(...checkVariables(book), ...checkOutputs(commands), ...checkLinks(book), ...checkSecrets(book, commands));
  problems.push(...checkYaml(findYamlSources(book), rulesFor(book)));
  const tree = loadGcloudTree();
  if (tree) problems.push(...checkGcloudCommands(commands, tree));
  else skipped.push('gcloud commands were not checked: gcloud is not installed (https://cloud.google.com/sdk/docs/install)');
  const shellProblems = await shellcheck;
  if (shellProblems) problems.push(...shellProblems);
  else skipped.push('shell blocks were not checked by shellcheck: it is not installed (apt-get install shellcheck)');

  return { problems: sortProblems(problems), skipped, chapters: book.chapters.length, steps: steps.length };
}
