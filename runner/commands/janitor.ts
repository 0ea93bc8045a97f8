/**
 * `lab janitor`: finds everything of the lab (or, with `--prefix NAME-*`, of a family of labs) in
 * the project older than a cutoff and deletes it in dependency order; without --yes it only says
 * what it would delete. A list or a deletion that fails is reported and the rest still done: the
 * exit status is then 1.
 */
import type { Book } from '../book/types.js';
import type { Arguments } from '../cli/parse-arguments.js';
import { UsageError } from '../cli/parse-arguments.js';
import { spellCommand } from '../cli/spell-command.js';
import { preflightGce } from '../execute/inventories/gce.js';
import { startVariables } from '../execute/variables.js';
import { findLabResources, runGcloud, type Gcloud } from '../janitor/find-lab-resources.js';
import { LabSelectorError, parseLabSelector, type LabSelector } from '../janitor/lab-names.js';
import { removeLabBindings } from '../janitor/remove-lab-bindings.js';
import { deleteLabResources, describeResource } from '../janitor/run-janitor.js';
import { formatDuration } from '../parse/block-grammar.js';
import type { StateStore } from '../state/state-store.js';
import type { Terminal } from './terminal.js';

export async function janitorCommand(
  args: Arguments,
  book: Book,
  store: StateStore,
  terminal: Terminal,
  gcloud: Gcloud = runGcloud,
): Promise<number> {
  const variables = startVariables(book, store.load());
  const gce = await preflightGce(book, variables);
  const prefix = args.prefix ?? gce.prefix;
  if (!prefix) {
    terminal.err.write(`lab: the janitor needs a name prefix; set ${book.gce.prefix} in book.yaml or pass --prefix\n`);
    return 2;
  }
  const selector = selectLabs(prefix);
  const cutoff = new Date(Date.now() - args.olderThanMs);
  const { resources, failures } = await findLabResources(gcloud, gce.project, selector, book.hosts, cutoff);
  const out = terminal.out;
  const age = args.olderThanMs === 0 ? 'of any age' : `older than ${formatDuration(args.olderThanMs)}`;
  out.write(`Resources of the lab (prefix ${selector.text}) in project ${gce.project} ${age}:\n`);
  for (const failure of failures) out.write(`  FAILED to list ${failure.kind}: ${failure.message}\n`);
  if (resources.length === 0) out.write('  none found.\n');
  for (const resource of resources) out.write(`  ${describeResource(resource)}\n`);
  const listing = failures.length === 0 ? '' : ` ${failures.length} lists failed: their kinds were not searched; run the janitor again.`;
  if (!args.yes) {
    if (resources.length > 0) {
      out.write(
        `Nothing was deleted. Run \`${spellCommand(deleteCommand(selector, args.olderThanMs))}\` to delete these ${resources.length} resources.\n`,
      );
    }
    if (listing) out.write(`${listing.trim()}\n`);
    return failures.length === 0 ? 0 : 1;
  }
  // Before the accounts go: their project bindings, and those of accounts deleted earlier.
  const going = new Set(resources.filter((resource) => resource.kind === 'iam service-accounts').map((resource) => resource.name));
  const bindings = await removeLabBindings(gcloud, gce.project, selector, going, (result) =>
    out.write(
      `  ${result.removed ? 'removed' : 'FAILED '} binding ${result.role} of ${result.member}${result.error ? `: ${result.error}` : ''}\n`,
    ),
  );
  if ('error' in bindings) out.write(`  FAILED to read the project's IAM policy: ${bindings.error}\n`);
  const bindingsFailed = 'error' in bindings ? 1 : bindings.filter((result) => !result.removed).length;
  const results = await deleteLabResources(gcloud, resources, gce.project, (result) =>
    out.write(
      `  ${result.deleted ? 'deleted' : 'FAILED '} ${result.resource.kind} ${result.resource.name}${result.error ? `: ${result.error}` : ''}\n`,
    ),
  );
  const failed = results.filter((result) => !result.deleted);
  const bindingNote =
    bindingsFailed === 0
      ? ''
      : ` ${'error' in bindings ? 'The IAM policy could not be read' : `${bindingsFailed} bindings could not be removed`}.`;
  out.write(
    (failed.length === 0
      ? `Deleted ${results.length} resources.`
      : `${failed.length} of ${results.length} deletions failed; run the janitor again once their causes are fixed.`) +
      `${bindingNote}${listing}\n`,
  );
  return failed.length === 0 && failures.length === 0 && bindingsFailed === 0 ? 0 : 1;
}

/** The same janitor run, deleting: the same labs and age, so it deletes what was just listed. */
function deleteCommand(selector: LabSelector, olderThanMs: number): string {
  const prefix = /^[-a-z0-9]+$/.test(selector.text) ? selector.text : `'${selector.text}'`;
  return `janitor --prefix ${prefix} --older-than ${olderThanMs === 0 ? '0s' : formatDuration(olderThanMs)} --yes`;
}

function selectLabs(prefix: string): LabSelector {
  try {
    return parseLabSelector(prefix);
  } catch (error) {
    if (error instanceof LabSelectorError) throw new UsageError(error.message);
    throw error;
  }
}
