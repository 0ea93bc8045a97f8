/**
 * Everything in a project that belongs to the labs a selector takes and is older than a cutoff,
 * in the order it must be deleted (a resource in use by another cannot go first), like Boskos'
 * gcp_janitor. Each kind is listed once for the whole project; what belongs to a lab is then
 * decided here, from the naming convention of lab-names.ts and from what ties a resource to the
 * lab: instances and disks by their exact `lab` label, everything in the lab's network (the
 * CCM's `k8s-fw-*` and `k8s-*-node-http-hc` firewall rules too), target pools holding the lab's
 * instances, forwarding rules pointing at the lab's pools or backend services or holding its
 * addresses, the health checks those use, and the addresses those rules hold. A list that fails
 * is reported, and the rest is still found.
 */
import { runTool, type ToolResult } from '../execute/run-tool.js';
import { isNamedByCcmFor, isNamedByLab, type LabSelector } from './lab-names.js';

/**
 * gcloud resource kinds (compute's, then IAM's), in deletion order. The IAM objects chapter 3
 * makes per lab (the nodes' service account `${PREFIX}-nodes`, the custom role
 * `${PREFIX//-/_}_disk_attacher`) cost nothing but count against the project's quotas (service
 * accounts, custom roles), so a nightly that leaks them stops one day.
 */
export const DELETION_ORDER = [
  'instances',
  'forwarding-rules',
  'target-pools',
  'backend-services',
  'instance-groups unmanaged',
  'health-checks',
  'http-health-checks',
  'addresses',
  'disks',
  'firewall-rules',
  'networks subnets',
  'networks',
  'iam service-accounts',
  'iam roles',
] as const;

const IAM: readonly ResourceKind[] = ['iam service-accounts', 'iam roles'];

export type ResourceKind = (typeof DELETION_ORDER)[number];

/** The API's collection name for each kind, as it appears in the URLs resources use to refer to each other. */
export const COLLECTIONS: Record<ResourceKind, string> = {
  instances: 'instances',
  'forwarding-rules': 'forwardingRules',
  'target-pools': 'targetPools',
  'backend-services': 'backendServices',
  'instance-groups unmanaged': 'instanceGroups',
  'health-checks': 'healthChecks',
  'http-health-checks': 'httpHealthChecks',
  addresses: 'addresses',
  disks: 'disks',
  'firewall-rules': 'firewalls',
  'networks subnets': 'subnetworks',
  networks: 'networks',
  'iam service-accounts': 'serviceAccounts',
  'iam roles': 'roles',
};

export type Scope = { zone: string } | { region: string } | { global: true };

export interface LabResource {
  kind: ResourceKind;
  name: string;
  created: Date;
  /** Where it lives: `--zone Z`, `--region R`, or global. */
  scope: Scope;
  /** For IAM objects, which have no creation time: the lab they belong to. */
  lab?: string;
}

/** The fields of gcloud's JSON the janitor reads. */
export interface ListedResource {
  /** IAM objects: a service account's `projects/P/serviceAccounts/EMAIL`, a role's `projects/P/roles/ID`. */
  name: string;
  email?: string;
  /** IAM objects have none. */
  creationTimestamp?: string;
  zone?: string;
  region?: string;
  labels?: Record<string, string>;
  network?: string;
  networkInterfaces?: { network?: string }[];
  instances?: string[];
  healthChecks?: string[];
  target?: string;
  backendService?: string;
  backends?: { group?: string }[];
  IPAddress?: string;
  address?: string;
  users?: string[];
}

export type Listing = Partial<Record<ResourceKind, ListedResource[]>>;

export interface ListFailure {
  kind: ResourceKind;
  message: string;
}

/** Runs gcloud with these arguments; a test passes a fake of the Compute Engine API here. */
export type Gcloud = (args: string[], timeoutMs: number) => Promise<ToolResult>;

export const runGcloud: Gcloud = (args, timeout) => runTool('gcloud', args, { stdin: 'ignore', timeout });

const GLOBAL_OR_REGIONAL: readonly ResourceKind[] = ['forwarding-rules', 'backend-services', 'health-checks', 'addresses'];

/** Kinds that carry the `lab` label; listing only labelled ones keeps a shared project's listing short. */
const LABELLED: readonly ResourceKind[] = ['instances', 'disks'];

export function listArgs(kind: ResourceKind, project: string): string[] {
  const filter = LABELLED.includes(kind) ? ['--filter', 'labels.lab:*'] : [];
  return [...commandOf(kind), 'list', '--project', project, ...filter, '--format', 'json'];
}

function commandOf(kind: ResourceKind): string[] {
  return IAM.includes(kind) ? kind.split(' ') : ['compute', ...kind.split(' ')];
}

export function deleteArgs(resource: LabResource, project: string): string[] {
  const scope =
    'zone' in resource.scope ? ['--zone', resource.scope.zone] : 'region' in resource.scope ? ['--region', resource.scope.region] : [];
  // These kinds come in global and regional forms; without a flag gcloud would ask which.
  const global = 'global' in resource.scope && GLOBAL_OR_REGIONAL.includes(resource.kind) ? ['--global'] : [];
  return [...commandOf(resource.kind), 'delete', resource.name, '--project', project, ...scope, ...global, '--quiet'];
}

/** Lists every kind at once; a failed or unreadable list becomes a ListFailure, never an exception. */
export async function listProject(gcloud: Gcloud, project: string): Promise<{ listing: Listing; failures: ListFailure[] }> {
  const listing: Listing = {};
  const failures: ListFailure[] = [];
  await Promise.all(
    DELETION_ORDER.map(async (kind) => {
      const args = listArgs(kind, project);
      const result = await gcloud(args, 120_000);
      if (result.exitCode !== 0) {
        const why = result.timedOut ? 'timed out after 2m' : result.stderr.trim().split('\n').at(-1) || `exit status ${result.exitCode}`;
        failures.push({ kind, message: `gcloud ${args.join(' ')} failed: ${why}` });
        return;
      }
      try {
        const parsed: unknown = JSON.parse(result.stdout || '[]');
        if (!Array.isArray(parsed)) throw new Error('not a JSON list');
        listing[kind] = parsed as ListedResource[];
      } catch (error) {
        failures.push({ kind, message: `gcloud ${args.join(' ')} printed what is not a JSON list (${(error as Error).message})` });
      }
    }),
  );
  failures.sort((a, b) => DELETION_ORDER.indexOf(a.kind) - DELETION_ORDER.indexOf(b.kind));
  return { listing, failures };
}

/** `zones/Z/instances/N`, `regions/R/targetPools/N`, `global/networks/N`: how resources refer to each other. */
export function refOf(url: string): string {
  return url.replace(/^.*?\/projects\/[^/]+\//, '');
}

function ownRef(kind: ResourceKind, item: ListedResource): string {
  const scope = scopeOf(item);
  const where = 'zone' in scope ? `zones/${scope.zone}` : 'region' in scope ? `regions/${scope.region}` : 'global';
  return `${where}/${COLLECTIONS[kind]}/${item.name}`;
}

/** What of the listing belongs to the selected labs, in deletion order, whatever its age. */
export function selectLabResources(listing: Listing, selector: LabSelector, hosts: readonly string[]): LabResource[] {
  const of = (kind: ResourceKind) => listing[kind] ?? [];
  const refs = (kind: ResourceKind, items: ListedResource[]) => new Set(items.map((item) => ownRef(kind, item)));
  const named = (item: ListedResource, ...roles: string[]) => isNamedByLab(item.name, selector, roles);
  const within = (set: Set<string>, url: string | undefined) => url !== undefined && set.has(refOf(url));

  const networks = of('networks').filter((item) => named(item, 'net'));
  const networkRefs = refs('networks', networks);
  const subnets = of('networks subnets').filter((item) => named(item, 'subnet') || within(networkRefs, item.network));
  const firewalls = of('firewall-rules').filter(
    (item) =>
      named(item, 'allow-internal', 'allow-external', 'allow-health-checks') ||
      isNamedByCcmFor(item.name, selector, ['node-http-hc', 'node-hc']) ||
      within(networkRefs, item.network),
  );
  const labelled = (item: ListedResource) => item.labels?.lab !== undefined && selector.matches(item.labels.lab);
  const instances = of('instances').filter(
    (item) => labelled(item) || (item.networkInterfaces ?? []).some((nic) => within(networkRefs, nic.network)),
  );
  const instanceRefs = refs('instances', instances);
  // A pool keeps the URLs of instances already deleted: their names still say whose they were.
  const isLabInstance = (url: string) => instanceRefs.has(refOf(url)) || isNamedByLab(url.split('/').at(-1)!, selector, hosts);
  const disks = of('disks').filter((item) => labelled(item) || (item.users ?? []).some(isLabInstance));
  const groups = of('instance-groups unmanaged').filter((item) => named(item, 'controllers') || within(networkRefs, item.network));
  const groupRefs = refs('instance-groups unmanaged', groups);
  const backendServices = of('backend-services').filter(
    (item) => named(item, 'api') || (item.backends ?? []).some((backend) => within(groupRefs, backend.group)),
  );
  const backendRefs = refs('backend-services', backendServices);
  const pools = of('target-pools').filter((item) => (item.instances ?? []).some(isLabInstance));
  const poolRefs = refs('target-pools', pools);
  const checkRefs = new Set([...pools, ...backendServices].flatMap((item) => (item.healthChecks ?? []).map(refOf)));
  const healthChecks = of('health-checks').filter((item) => named(item, 'api') || checkRefs.has(ownRef('health-checks', item)));
  const httpHealthChecks = of('http-health-checks').filter(
    (item) => checkRefs.has(ownRef('http-health-checks', item)) || isNamedByCcmFor(item.name, selector, ['node']),
  );
  const namedAddresses = of('addresses').filter((item) => named(item, 'api'));
  const namedIps = new Set(namedAddresses.map((item) => item.address));
  const rules = of('forwarding-rules').filter(
    (item) =>
      named(item, 'api') ||
      within(poolRefs, item.target) ||
      within(backendRefs, item.backendService) ||
      within(networkRefs, item.network) ||
      (item.IPAddress !== undefined && namedIps.has(item.IPAddress)),
  );
  const ruleRefs = refs('forwarding-rules', rules);
  // The CCM reserves a rule's address under the rule's name (a<uid>) while it works on it.
  const ruleAddresses = new Set(rules.map((item) => `${scopeKey(scopeOf(item))}\0${item.IPAddress}`));
  const ruleNames = new Set(rules.map((item) => `${scopeKey(scopeOf(item))}\0${item.name}`));
  const addresses = of('addresses').filter(
    (item) =>
      named(item, 'api') ||
      (item.users ?? []).some((url) => ruleRefs.has(refOf(url))) ||
      ruleAddresses.has(`${scopeKey(scopeOf(item))}\0${item.address}`) ||
      ruleNames.has(`${scopeKey(scopeOf(item))}\0${item.name}`),
  );

  // IAM objects name their lab: `LAB-nodes@…` and `LAB_WITH_UNDERSCORES_disk_attacher`.
  const accounts = of('iam service-accounts').flatMap((item) => {
    const local = (item.email ?? item.name.split('/').at(-1)!).split('@')[0]!;
    const lab = local.endsWith('-nodes') ? local.slice(0, -'-nodes'.length) : undefined;
    return lab !== undefined && selector.matches(lab) ? [{ item: { ...item, name: item.email ?? item.name.split('/').at(-1)! }, lab }] : [];
  });
  const roles = of('iam roles').flatMap((item) => {
    const id = item.name.split('/').at(-1)!;
    const match = /^([a-z][a-z0-9_]*)_disk_attacher$/.exec(id);
    const lab = match?.[1]!.replaceAll('_', '-');
    return lab !== undefined && selector.matches(lab) ? [{ item: { ...item, name: id }, lab }] : [];
  });

  const found: Record<Exclude<ResourceKind, 'iam service-accounts' | 'iam roles'>, ListedResource[]> = {
    instances,
    'forwarding-rules': rules,
    'target-pools': pools,
    'backend-services': backendServices,
    'instance-groups unmanaged': groups,
    'health-checks': healthChecks,
    'http-health-checks': httpHealthChecks,
    addresses,
    disks,
    'firewall-rules': firewalls,
    'networks subnets': subnets,
    networks,
  };
  const compute = DELETION_ORDER.filter((kind) => !IAM.includes(kind)).flatMap((kind) =>
    found[kind as keyof typeof found].map((item): LabResource => ({
      kind,
      name: item.name,
      created: new Date(item.creationTimestamp ?? NaN),
      scope: scopeOf(item),
    })),
  );
  const iam = (kind: ResourceKind, entries: { item: ListedResource; lab: string }[]) =>
    entries.map(({ item, lab }): LabResource => ({ kind, name: item.name, created: new Date(NaN), scope: { global: true }, lab }));
  return [...compute, ...iam('iam service-accounts', accounts), ...iam('iam roles', roles)];
}

export interface FoundResources {
  resources: LabResource[];
  failures: ListFailure[];
}

/** The selected labs' resources created before `olderThan`, and the lists that failed. */
export async function findLabResources(
  gcloud: Gcloud,
  project: string,
  selector: LabSelector,
  hosts: readonly string[],
  olderThan: Date,
): Promise<FoundResources> {
  const { listing, failures } = await listProject(gcloud, project);
  // A resource with no readable creation time is never too young to go.
  const old = selectLabResources(listing, selector, hosts).filter((resource) => !(resource.created >= olderThan));
  // IAM objects have no creation time: they go with their lab, once none of its instances stays
  // (and never when the instances could not be listed).
  const going = new Set(old.filter((resource) => resource.kind === 'instances').map((resource) => resource.name));
  const staying = new Set(
    (listing.instances ?? []).filter((item) => !going.has(item.name) && item.labels?.lab).map((item) => item.labels!.lab!),
  );
  const resources = old.filter((resource) => resource.lab === undefined || (listing.instances !== undefined && !staying.has(resource.lab)));
  return { resources, failures };
}

function scopeOf(item: ListedResource): Scope {
  if (item.zone) return { zone: item.zone.split('/').at(-1)! };
  if (item.region) return { region: item.region.split('/').at(-1)! };
  return { global: true };
}

function scopeKey(scope: Scope): string {
  return 'zone' in scope ? `zone ${scope.zone}` : 'region' in scope ? `region ${scope.region}` : 'global';
}
