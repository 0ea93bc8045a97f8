/**
 * `lab janitor`: finds everything of the lab in the project older than a cutoff and deletes it
 * in dependency order; without --yes it only says what it would delete.
 */
import type { Book } from '../book/types.js';
import type { Arguments } from '../cli/parse-arguments.js';
import { preflightGce } from '../execute/inventories/gce.js';
import { startVariables } from '../execute/variables.js';
import { findLabResources } from '../janitor/find-lab-resources.js';
import { deleteLabResources, describeResource } from '../janitor/run-janitor.js';
import { formatDuration } from '../parse/block-grammar.js';
import type { StateStore } from '../state/state-store.js';
import type { Terminal } from './terminal.js';

export async function janitorCommand(args: Arguments, book: Book, store: StateStore, terminal: Terminal): Promise<number> {
  const variables = startVariables(book, store.load());
  const gce = await preflightGce(book, variables);
  const prefix = args.prefix ?? gce.prefix;
  if (!prefix) {
    terminal.err.write(`lab: the janitor needs a name prefix; set ${book.gce.prefix} in book.yaml or pass --prefix\n`);
    return 2;
  }
  const cutoff = new Date(Date.now() - args.olderThanMs);
  const resources = await findLabResources(gce.project, prefix, cutoff);
  const out = terminal.out;
  out.write(`Resources of the lab (prefix ${prefix}) in project ${gce.project} older than ${formatDuration(args.olderThanMs)}:\n`);
  if (resources.length === 0) {
    out.write('  none.\n');
    return 0;
  }
  for (const resource of resources) out.write(`  ${describeResource(resource)}\n`);
  if (!args.yes) {
    out.write(`Nothing was deleted. Run \`lab janitor --yes\` to delete these ${resources.length} resources.\n`);
    return 0;
  }
  const results = await deleteLabResources(resources, gce.project, (result) =>
    out.write(
      `  ${result.deleted ? 'deleted' : 'FAILED '} ${result.resource.kind} ${result.resource.name}${result.error ? `: ${result.error}` : ''}\n`,
    ),
  );
  const failed = results.filter((result) => !result.deleted);
  out.write(
    failed.length === 0
      ? `Deleted ${results.length} resources.\n`
      : `${failed.length} of ${results.length} deletions failed; run the janitor again once their causes are fixed.\n`,
  );
  return failed.length === 0 ? 0 : 1;
}
