import { AGGREGATED_COLLECTIONS, GLOBAL_COLLECTIONS } from '../../runner/emulator/list-leftovers.js';
/**
 * Reads an emulator's Compute API directly (no gcloud start-up): names of a lab's resources, in
 * the collections lab rehearse lists, so a test sees every leftover the rehearsal would.
 */

/** `collection name` for every resource of the project, sorted. */
export async function listResources(url: string, project = 'lab-emulator'): Promise<string[]> {
  const found: string[] = [];
  for (const collection of AGGREGATED_COLLECTIONS) {
    const list = (await (await fetch(`${url}/compute/v1/projects/${project}/aggregated/${collection}`)).json()) as {
      items?: Record<string, Record<string, { name: string }[]>>;
    };
    for (const scoped of Object.values(list.items ?? {}))
      for (const item of scoped[collection] ?? []) found.push(`${collection} ${item.name}`);
  }
  for (const collection of GLOBAL_COLLECTIONS) {
    const list = (await (await fetch(`${url}/compute/v1/projects/${project}/global/${collection}`)).json()) as {
      items?: { name: string }[];
    };
    for (const item of list.items ?? []) found.push(`${collection} ${item.name}`);
  }
  return found.sort();
}
