/**
 * An in-process stand-in for the Compute Engine API behind gcloud, for the janitor's tests (the
 * real API cannot be reached here; the Compute Engine emulator will replace it). It answers
 * `gcloud compute KIND list` and `delete` as gcloud does, with the JSON fields the janitor reads,
 * and refuses to delete a resource another one still uses, as the API does ("The resource ... is
 * already being used by ..."), so an order that would fail on GCE fails here too.
 */
import type { ToolResult } from '../../runner/execute/run-tool.js';
import {
  COLLECTIONS,
  DELETION_ORDER,
  refOf,
  type Gcloud,
  type ListedResource,
  type ResourceKind,
} from '../../runner/janitor/find-lab-resources.js';

const API = 'https://www.googleapis.com/compute/v1/projects/lab-project';
export const REGION = 'europe-west1';
export const ZONE = 'europe-west1-b';
export const OLD = '2026-01-01T00:00:00.000-08:00';

export const url = {
  network: (name: string) => `${API}/global/networks/${name}`,
  instance: (name: string) => `${API}/zones/${ZONE}/instances/${name}`,
  pool: (name: string) => `${API}/regions/${REGION}/targetPools/${name}`,
  httpHealthCheck: (name: string) => `${API}/global/httpHealthChecks/${name}`,
  healthCheck: (name: string) => `${API}/regions/${REGION}/healthChecks/${name}`,
  backendService: (name: string) => `${API}/regions/${REGION}/backendServices/${name}`,
  group: (name: string) => `${API}/zones/${ZONE}/instanceGroups/${name}`,
  rule: (name: string) => `${API}/regions/${REGION}/forwardingRules/${name}`,
};
const zone = `${API}/zones/${ZONE}`;
const region = `${API}/regions/${REGION}`;

/**
 * What the book (chapters 3, 5, 13) and the CCM (for a LoadBalancer Service, names from
 * cloud-provider-gcp's gce_loadbalancer_naming.go; its cluster ID is the prefix, chapter 11)
 * create for a lab named `prefix`.
 */
export function labProject(prefix: string, ids: { service: string; ip: string }, created = OLD) {
  const at = { creationTimestamp: created };
  const hosts = ['controller-0', 'worker-0'];
  const net = url.network(`${prefix}-net`);
  const lb = `a${ids.service}`;
  return {
    instances: hosts.map((host) => ({
      name: `${prefix}-${host}`,
      ...at,
      zone,
      labels: { lab: prefix, 'run-id': 'manual' },
      networkInterfaces: [{ network: net }],
    })),
    disks: [{ name: `pvc-${ids.service}`, ...at, zone, labels: { lab: prefix }, users: [url.instance(`${prefix}-worker-0`)] }],
    networks: [{ name: `${prefix}-net`, ...at }],
    'networks subnets': [{ name: `${prefix}-subnet`, ...at, region, network: net }],
    'firewall-rules': [
      { name: `${prefix}-allow-internal`, ...at, network: net },
      { name: `${prefix}-allow-external`, ...at, network: net },
      { name: `${prefix}-allow-health-checks`, ...at, network: net },
      { name: `k8s-fw-${lb}`, ...at, network: net },
      { name: `k8s-${prefix}-node-http-hc`, ...at, network: net },
    ],
    addresses: [
      { name: `${prefix}-api`, ...at, region, address: `${ids.ip}0` },
      { name: lb, ...at, region, address: `${ids.ip}1` },
    ],
    'health-checks': [{ name: `${prefix}-api`, ...at, region }],
    'instance-groups unmanaged': [{ name: `${prefix}-controllers`, ...at, zone, network: net }],
    'backend-services': [
      {
        name: `${prefix}-api`,
        ...at,
        region,
        backends: [{ group: url.group(`${prefix}-controllers`) }],
        healthChecks: [url.healthCheck(`${prefix}-api`)],
      },
    ],
    'forwarding-rules': [
      { name: `${prefix}-api`, ...at, region, IPAddress: `${ids.ip}0`, backendService: url.backendService(`${prefix}-api`) },
      { name: lb, ...at, region, IPAddress: `${ids.ip}1`, target: url.pool(lb) },
    ],
    'target-pools': [
      {
        name: lb,
        ...at,
        region,
        instances: [url.instance(`${prefix}-worker-0`)],
        healthChecks: [url.httpHealthCheck(`k8s-${prefix}-node`)],
      },
    ],
    'http-health-checks': [{ name: `k8s-${prefix}-node`, ...at }],
    // Chapter 3's IAM objects, listed as gcloud lists them (no creation time).
    'iam service-accounts': [
      {
        name: `projects/lab-project/serviceAccounts/${prefix}-nodes@lab-project.iam.gserviceaccount.com`,
        email: `${prefix}-nodes@lab-project.iam.gserviceaccount.com`,
      },
    ],
    'iam roles': [{ name: `projects/lab-project/roles/${prefix.replaceAll('-', '_')}_disk_attacher` }],
  } satisfies Record<ResourceKind, ListedResource[]>;
}

/** The URLs a resource refers to that keep the resource behind them from being deleted. */
function usesOf(item: ListedResource): string[] {
  return [
    item.network,
    ...(item.networkInterfaces ?? []).map((nic) => nic.network),
    item.target,
    item.backendService,
    ...(item.backends ?? []).map((backend) => backend.group),
    ...(item.healthChecks ?? []),
  ].filter((value): value is string => value !== undefined);
}

export interface FakeCompute {
  gcloud: Gcloud;
  /** Every call's arguments, in order. */
  calls: string[][];
  /** The names of what is left, by kind. */
  remaining(): Record<string, string[]>;
}

export function fakeCompute(
  ...projects: Partial<Record<ResourceKind, ListedResource[]>>[]
): FakeCompute & { failLists: Set<ResourceKind> } {
  const store = new Map<ResourceKind, ListedResource[]>(DELETION_ORDER.map((kind) => [kind, projects.flatMap((p) => p[kind] ?? [])]));
  const calls: string[][] = [];
  const failLists = new Set<ResourceKind>();
  const ok = (stdout: string): ToolResult => ({ exitCode: 0, stdout, stderr: '', timedOut: false });
  const fail = (stderr: string): ToolResult => ({ exitCode: 1, stdout: '', stderr, timedOut: false });
  const refOfItem = (kind: ResourceKind, item: ListedResource) => {
    const where = item.zone ? `zones/${item.zone.split('/').at(-1)}` : item.region ? `regions/${item.region.split('/').at(-1)}` : 'global';
    return `${where}/${COLLECTIONS[kind]}/${item.name}`;
  };
  const gcloud: Gcloud = async (args) => {
    calls.push(args);
    const verb = args.includes('list') ? 'list' : 'delete';
    const kind = args.slice(args[0] === 'compute' ? 1 : 0, args.indexOf(verb)).join(' ') as ResourceKind;
    const items = store.get(kind)!;
    if (verb === 'list') {
      if (failLists.has(kind)) return fail(`ERROR: (gcloud.compute.${kind.replace(' ', '.')}.list) Internal error\n`);
      const filtered = args.includes('labels.lab:*') ? items.filter((item) => item.labels?.lab !== undefined) : items;
      return ok(JSON.stringify(filtered));
    }
    const name = args[args.indexOf('delete') + 1]!;
    const item = items.find(
      (candidate) => candidate.name === name || candidate.email === name || candidate.name.endsWith(`/roles/${name}`),
    );
    if (!item) return fail(`ERROR: (gcloud.compute.${kind}.delete) The resource '${name}' was not found\n`);
    const ref = refOfItem(kind, item);
    const user = DELETION_ORDER.flatMap((other) => store.get(other)!.map((candidate) => ({ other, candidate }))).find(({ candidate }) =>
      usesOf(candidate).some((used) => refOf(used) === ref),
    );
    // An address is held by the rule that uses its IP; a disk by the instances it is attached to.
    const holder =
      kind === 'addresses'
        ? store.get('forwarding-rules')!.find((rule) => rule.IPAddress === item.address && rule.region === item.region)
        : kind === 'disks'
          ? store.get('instances')!.find((instance) => (item.users ?? []).some((used) => refOf(used) === refOfItem('instances', instance)))
          : undefined;
    if (user || holder) {
      const by = user ? refOfItem(user.other, user.candidate) : refOfItem(kind === 'disks' ? 'instances' : 'forwarding-rules', holder!);
      return fail(`ERROR: (gcloud.compute.${kind}.delete) The resource '${ref}' is already being used by '${by}'\n`);
    }
    store.set(
      kind,
      items.filter((candidate) => candidate !== item),
    );
    return ok('');
  };
  return {
    gcloud,
    calls,
    failLists,
    remaining: () =>
      Object.fromEntries([...store].filter(([, items]) => items.length > 0).map(([kind, items]) => [kind, items.map((i) => i.name)])),
  };
}
