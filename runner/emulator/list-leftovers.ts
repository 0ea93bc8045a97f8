/**
 * What a lab left in a project: every collection the book and the janitor touch, listed through
 * the emulator's API (no gcloud start-up per collection). A resource is the lab's when its `lab`
 * label is the prefix, or its name is the prefix and one of the names the book gives (so the
 * lab `x` does not claim the lab `x-2`'s `x-2-net`).
 */
import type { Book } from '../book/types.js';

export interface Leftover {
  collection: string;
  name: string;
}

/** Collections listed: zonal and regional ones through aggregated lists (which hold global ones too). */
export const AGGREGATED_COLLECTIONS = [
  'instances',
  'disks',
  'instanceGroups',
  'addresses',
  'subnetworks',
  'forwardingRules',
  'backendServices',
  'healthChecks',
  'targetPools',
];
export const GLOBAL_COLLECTIONS = ['networks', 'firewalls', 'httpHealthChecks'];

/**
 * The names after `${PREFIX}-` that the book's steps give, and its hosts' names; custom roles'
 * names after `${PREFIX//-/_}_` (IAM role IDs take no `-`) with a leading `_`.
 */
export function bookNames(book: Book, prefixVariable: string): Set<string> {
  const names = new Set<string>(Object.values(book.hosts).flat());
  const dashed = new RegExp(`\\$\\{?${prefixVariable}\\}?-([a-z0-9-]+)`, 'g');
  const underscored = new RegExp(`\\$\\{${prefixVariable}//-/_\\}(_[a-z0-9_]+)`, 'g');
  for (const chapter of book.chapters) {
    for (const step of chapter.steps) {
      if (step.kind === 'file') continue;
      for (const match of step.script.matchAll(dashed)) names.add(match[1]!);
      for (const match of step.script.matchAll(underscored)) names.add(match[1]!);
    }
  }
  return names;
}

export async function listLeftovers(computeRoot: string, project: string, prefix: string, names: Set<string>): Promise<Leftover[]> {
  const root = computeRoot.endsWith('/') ? computeRoot : `${computeRoot}/`;
  const mine = (item: { name: string; labels?: Record<string, string> }) =>
    item.labels?.lab === prefix || (item.name.startsWith(`${prefix}-`) && names.has(item.name.slice(prefix.length + 1)));
  const found: Leftover[] = [];
  const get = async (url: string) => {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`Could not list ${url}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as { items?: unknown; nextPageToken?: string };
  };
  for (const collection of AGGREGATED_COLLECTIONS) {
    const list = await get(`${root}projects/${project}/aggregated/${collection}?maxResults=500`);
    for (const scoped of Object.values((list.items ?? {}) as Record<string, Record<string, { name: string }[]>>)) {
      for (const item of scoped[collection] ?? []) if (mine(item)) found.push({ collection, name: item.name });
    }
  }
  for (const collection of GLOBAL_COLLECTIONS) {
    const list = await get(`${root}projects/${project}/global/${collection}?maxResults=500`);
    for (const item of (list.items ?? []) as { name: string }[]) if (mine(item)) found.push({ collection, name: item.name });
  }
  const iam = root.replace(/\/compute\/v1\/$/, '/iam/v1/');
  const accounts = ((await get(`${iam}projects/${project}/serviceAccounts`)) as { accounts?: { email: string }[] }).accounts ?? [];
  for (const account of accounts)
    if (mine({ name: account.email.split('@')[0]! })) found.push({ collection: 'serviceAccounts', name: account.email });
  const roles = ((await get(`${iam}projects/${project}/roles`)) as { roles?: { name: string; deleted?: boolean }[] }).roles ?? [];
  const rolePrefix = prefix.replace(/-/g, '_');
  for (const role of roles) {
    const id = role.name.split('/').at(-1)!;
    if (!role.deleted && id.startsWith(rolePrefix) && names.has(id.slice(rolePrefix.length))) found.push({ collection: 'roles', name: id });
  }
  return found;
}
