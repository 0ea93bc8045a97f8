/**
 * The Compute Engine v1 API, answered from a State: routing of `projects/...` paths to
 * collections and methods, GCE's rules for references and deletion, operations (always DONE:
 * the change is made before the answer), pagination and aggregated lists.
 */
import crypto from 'node:crypto';
import { IMAGES, MACHINE_TYPES, REGIONS, regionOfZone, zonesOf } from './catalog.js';
import { alreadyExists, ApiError, inUse, invalid, notFound } from './errors.js';
import { parseFilter } from './filter.js';
import { accountExists } from './iam.js';
import type { ProjectRecord, Resource, State } from './store.js';

export interface Request {
  method: string;
  /** The path below the API root, without the query: `projects/p/global/networks`. */
  path: string;
  query: URLSearchParams;
  body: unknown;
}

export interface Response {
  status: number;
  body: unknown;
}

/** What happens to an instance's host; runner/emulator/hosts.ts makes one a real host. */
export interface InstanceHooks {
  /** The instance runs (or its ssh keys changed): `sshKeys` is its `ssh-keys` metadata, project's included. */
  started(instance: Resource, sshKeys: string): void;
  stopped(instance: Resource): void;
}

type ScopeKind = 'global' | 'region' | 'zone';

interface Scope {
  kind: ScopeKind;
  /** `global`, `regions/r` or `zones/z`. */
  path: string;
  name?: string;
}

/** The collections each scope holds, with the resource's kind. */
const COLLECTIONS: Record<ScopeKind, Record<string, string>> = {
  global: {
    networks: 'network',
    firewalls: 'firewall',
    images: 'image',
    healthChecks: 'healthCheck',
    httpHealthChecks: 'httpHealthCheck',
    backendServices: 'backendService',
    forwardingRules: 'forwardingRule',
    addresses: 'address',
  },
  region: {
    subnetworks: 'subnetwork',
    addresses: 'address',
    healthChecks: 'healthCheck',
    backendServices: 'backendService',
    forwardingRules: 'forwardingRule',
    targetPools: 'targetPool',
  },
  zone: { instances: 'instance', disks: 'disk', instanceGroups: 'instanceGroup', instanceGroupManagers: 'instanceGroupManager' },
};

const NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Instances' natIPs and reserved addresses: the last byte, in the emulator's own loopback block. */
const INSTANCE_ADDRESSES = { first: 2, last: 199 };
const RESERVED_ADDRESSES = { first: 200, last: 254 };

export class ComputeApi {
  constructor(
    private readonly state: State,
    private readonly hooks: InstanceHooks = { started() {}, stopped() {} },
    private readonly now: () => Date = () => new Date(),
    /** `127.2.X.`: see address-block.ts. */
    private readonly addressPrefix = '127.2.1.',
  ) {}

  get base(): string {
    return this.state.base;
  }

  link(path: string): string {
    return `${this.state.base}${path}`;
  }

  /** The path below the API root of a link or of a partial path such as `global/networks/n`. */
  private pathOf(reference: string, project: string): string {
    if (reference.startsWith(this.state.base)) return reference.slice(this.state.base.length);
    const https = /^https?:\/\/[^/]+\/compute\/(?:v1|beta|alpha)\/(.*)$/.exec(reference);
    if (https) return https[1]!;
    return reference.startsWith('projects/') ? reference : `projects/${project}/${reference}`;
  }

  handle(request: Request): Response {
    try {
      this.expireInstances();
      return { status: 200, body: this.route(request) };
    } catch (error) {
      if (error instanceof ApiError) return { status: error.code, body: error.toJSON() };
      throw error;
    }
  }

  private route({ method, path, query, body }: Request): unknown {
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] !== 'projects' || !parts[1]) throw notFound(path);
    const project = parts[1];
    const rest = parts.slice(2);
    const project_ = this.project(project);
    if (rest.length === 0 && method === 'GET') return this.projectResource(project_);
    if (rest[0] === 'setCommonInstanceMetadata' && method === 'POST') return this.setCommonMetadata(project_, body);
    if (rest[0] === 'aggregated' && rest[1] && method === 'GET') return this.aggregatedList(project, rest[1], query);
    if (rest[0] === 'regions' || rest[0] === 'zones') {
      const kind = rest[0] === 'regions' ? 'region' : 'zone';
      if (rest.length === 1 && method === 'GET') return this.listLocations(project, kind, query);
      const name = rest[1]!;
      const known = kind === 'region' ? name in REGIONS : regionOfZone(name) !== undefined;
      if (!known) throw notFound(`projects/${project}/${rest[0]}/${name}`);
      if (rest.length === 2 && method === 'GET') return this.location(project, kind, name);
      return this.collection(project, { kind, path: `${rest[0]}/${name}`, name }, rest.slice(2), method, query, body);
    }
    if (rest[0] === 'global') return this.collection(project, { kind: 'global', path: 'global' }, rest.slice(1), method, query, body);
    throw notFound(path);
  }

  private collection(project: string, scope: Scope, rest: string[], method: string, query: URLSearchParams, body: unknown): unknown {
    const [collection, name, verb, ...more] = rest;
    if (!collection) throw notFound(`projects/${project}/${scope.path}`);
    const base = `projects/${project}/${scope.path}/${collection}`;
    if (collection === 'operations') {
      if (!name) return this.list(base, 'compute#operationList', this.operationsIn(base), query);
      const operation = this.state.operations[`${base}/${name}`];
      if (!operation) throw notFound(`${base}/${name}`);
      return operation;
    }
    if (collection === 'machineTypes' && scope.kind === 'zone') return this.machineTypes(base, name, query);
    if (collection === 'images' && name === 'family' && verb && method === 'GET') return this.imageFromFamily(project, verb);
    if (!(collection in COLLECTIONS[scope.kind])) throw notFound(base);
    if (!name) {
      if (method === 'GET') return this.list(base, `compute#${COLLECTIONS[scope.kind][collection]}List`, this.itemsIn(base), query);
      if (method === 'POST') return this.insert(project, scope, collection, body);
      throw new ApiError(405, 'badRequest', `Method ${method} is not allowed on ${base}`);
    }
    const path = `${base}/${name}`;
    if (more.length > 0) throw notFound(`${path}/${rest.slice(2).join('/')}`);
    if (!verb) {
      if (method === 'GET') return this.get(path);
      if (method === 'DELETE') return this.delete(project, scope, path);
      if (method === 'PUT' || method === 'PATCH') return this.update(project, scope, path, body, method === 'PATCH');
      throw new ApiError(405, 'badRequest', `Method ${method} is not allowed on ${path}`);
    }
    if (method !== 'POST') throw notFound(`${path}/${verb}`);
    return this.act(project, scope, path, verb, body);
  }

  // --- projects, locations, catalogue ------------------------------------------------------

  project(id: string): ProjectRecord {
    return (this.state.projects[id] ??= {
      id,
      number: String(100000000000 + (crypto.randomBytes(4).readUInt32BE() % 899999999999)),
      metadata: { items: [], fingerprint: fingerprint() },
      services: ['compute.googleapis.com'],
    });
  }

  private projectResource(project: ProjectRecord): unknown {
    return {
      kind: 'compute#project',
      id: project.number,
      name: project.id,
      selfLink: this.link(`projects/${project.id}`),
      creationTimestamp: '2026-01-01T00:00:00.000-08:00',
      commonInstanceMetadata: { kind: 'compute#metadata', fingerprint: project.metadata.fingerprint, items: project.metadata.items },
      defaultServiceAccount: `${project.number}-compute@developer.gserviceaccount.com`,
      xpnProjectStatus: 'UNSPECIFIED_XPN_PROJECT_STATUS',
      defaultNetworkTier: 'PREMIUM',
      vmDnsSetting: 'ZONAL_ONLY',
    };
  }

  private setCommonMetadata(project: ProjectRecord, body: unknown): unknown {
    const metadata = body as { fingerprint?: string; items?: { key: string; value: string }[] };
    if (metadata.fingerprint !== undefined && metadata.fingerprint !== project.metadata.fingerprint) {
      throw new ApiError(412, 'conditionNotMet', `Supplied fingerprint does not match current metadata fingerprint.`);
    }
    project.metadata = { items: metadata.items ?? [], fingerprint: fingerprint() };
    for (const instance of this.itemsWhere((path) => path.startsWith(`projects/${project.id}/zones/`) && path.includes('/instances/'))) {
      if (instance.status === 'RUNNING') this.hooks.started(instance, this.sshKeys(instance, project.id));
    }
    return this.operation(
      project.id,
      { kind: 'global', path: 'global' },
      'setCommonInstanceMetadata',
      this.link(`projects/${project.id}`),
      project.number,
    );
  }

  private listLocations(project: string, kind: 'region' | 'zone', query: URLSearchParams): unknown {
    const names = kind === 'region' ? Object.keys(REGIONS) : Object.keys(REGIONS).flatMap(zonesOf);
    return this.list(
      `projects/${project}/${kind}s`,
      `compute#${kind}List`,
      names.map((name) => this.location(project, kind, name)),
      query,
    );
  }

  private location(project: string, kind: 'region' | 'zone', name: string): Resource {
    const common = {
      kind: `compute#${kind}`,
      id: String(1000 + name.length * 7 + name.charCodeAt(name.length - 1)),
      creationTimestamp: '1969-12-31T16:00:00.000-08:00',
      name,
      description: name,
      status: 'UP',
      selfLink: this.link(`projects/${project}/${kind}s/${name}`),
      supportsPzs: false,
    };
    if (kind === 'zone')
      return {
        ...common,
        region: this.link(`projects/${project}/regions/${regionOfZone(name)}`),
        availableCpuPlatforms: ['Intel Broadwell'],
      };
    return { ...common, zones: zonesOf(name).map((zone) => this.link(`projects/${project}/zones/${zone}`)), quotas: [] };
  }

  private machineTypes(base: string, name: string | undefined, query: URLSearchParams): unknown {
    const describe = (type: string): Resource => ({
      kind: 'compute#machineType',
      id: String(800000 + type.length),
      creationTimestamp: '1969-12-31T16:00:00.000-08:00',
      name: type,
      description: `${MACHINE_TYPES[type]!.guestCpus} vCPUs, ${MACHINE_TYPES[type]!.memoryMb / 1024} GB RAM`,
      guestCpus: MACHINE_TYPES[type]!.guestCpus,
      memoryMb: MACHINE_TYPES[type]!.memoryMb,
      zone: base.split('/')[3]!,
      selfLink: this.link(`${base}/${type}`),
      isSharedCpu: false,
      maximumPersistentDisks: 128,
      maximumPersistentDisksSizeGb: '263168',
    });
    if (!name) return this.list(base, 'compute#machineTypeList', Object.keys(MACHINE_TYPES).map(describe), query);
    if (!(name in MACHINE_TYPES)) throw notFound(`${base}/${name}`);
    return describe(name);
  }

  private image(project: string, name: string): Resource | undefined {
    const image = IMAGES.find((candidate) => candidate.project === project && candidate.name === name);
    return image && this.describeImage(image);
  }

  private imageFromFamily(project: string, family: string): Resource {
    const image = IMAGES.find((candidate) => candidate.project === project && candidate.family === family);
    if (!image) throw notFound(`projects/${project}/global/images/family/${family}`);
    return this.describeImage(image);
  }

  private describeImage(image: (typeof IMAGES)[number]): Resource {
    return {
      kind: 'compute#image',
      id: String(5000000 + image.name.length),
      creationTimestamp: '2026-11-10T00:00:00.000-08:00',
      name: image.name,
      family: image.family,
      description: `Debian, ${image.release}`,
      sourceType: 'RAW',
      status: 'READY',
      diskSizeGb: '10',
      archiveSizeBytes: '1000000000',
      architecture: 'X86_64',
      selfLink: this.link(`projects/${image.project}/global/images/${image.name}`),
      labelFingerprint: '42WmSpB8rSM=',
    };
  }

  // --- generic collection methods ----------------------------------------------------------

  private itemsIn(base: string): Resource[] {
    const prefix = `${base}/`;
    return Object.entries(this.state.resources)
      .filter(([path]) => path.startsWith(prefix) && !path.slice(prefix.length).includes('/'))
      .map(([, resource]) => resource);
  }

  private itemsWhere(test: (path: string) => boolean): Resource[] {
    return Object.entries(this.state.resources)
      .filter(([path]) => test(path))
      .map(([, resource]) => resource);
  }

  private operationsIn(base: string): Resource[] {
    const prefix = `${base}/`;
    return Object.entries(this.state.operations)
      .filter(([path]) => path.startsWith(prefix))
      .map(([, operation]) => operation);
  }

  /** One page of a list; the page token is the index of the page's first item. */
  private list(base: string, kind: string, all: Resource[], query: URLSearchParams): unknown {
    const items = this.filterAndPage(all, query);
    return {
      kind,
      id: base,
      items: items.page,
      selfLink: this.link(base),
      ...(items.next ? { nextPageToken: items.next } : {}),
    };
  }

  private filterAndPage(all: Resource[], query: URLSearchParams): { page: Resource[]; next?: string } {
    const keep = parseFilter(query.get('filter') ?? undefined);
    const sorted = all.filter(keep).sort((a, b) => a.name.localeCompare(b.name));
    const start = Number(query.get('pageToken') ?? '0');
    if (!Number.isInteger(start) || start < 0) throw invalid(`Invalid value for field 'pageToken': '${query.get('pageToken')}'.`);
    const max = Math.min(Number(query.get('maxResults') ?? '500') || 500, 500);
    const page = sorted.slice(start, start + max);
    return start + max < sorted.length ? { page, next: String(start + max) } : { page };
  }

  private aggregatedList(project: string, collection: string, query: URLSearchParams): unknown {
    const kind = COLLECTIONS.zone[collection] ?? COLLECTIONS.region[collection];
    if (!kind && collection !== 'machineTypes') throw notFound(`projects/${project}/aggregated/${collection}`);
    const all = Object.entries(this.state.resources)
      .filter(([path]) => {
        const parts = path.split('/');
        return parts[1] === project && parts.length === 6 && parts[4] === collection;
      })
      .map(([path, resource]) => ({ scope: path.split('/').slice(2, 4).join('/'), resource }));
    if (COLLECTIONS.global[collection]) {
      for (const resource of this.itemsIn(`projects/${project}/global/${collection}`)) all.push({ scope: 'global', resource });
    }
    const { page, next } = this.filterAndPage(
      all.map((entry) => entry.resource),
      query,
    );
    const items: Record<string, unknown> = {};
    for (const resource of page) {
      const scope = all.find((entry) => entry.resource === resource)!.scope;
      ((items[scope] ??= { [collection]: [] }) as Record<string, Resource[]>)[collection]!.push(resource);
    }
    return {
      // GCE's one irregular kind (compute_v1_messages.py: HealthChecksAggregatedList).
      kind: collection === 'healthChecks' ? 'compute#healthChecksAggregatedList' : `compute#${kind ?? 'machineType'}AggregatedList`,
      id: `projects/${project}/aggregated/${collection}`,
      items,
      selfLink: this.link(`projects/${project}/aggregated/${collection}`),
      ...(next ? { nextPageToken: next } : {}),
    };
  }

  private get(path: string): Resource {
    const parts = path.split('/');
    if (parts[2] === 'global' && parts[3] === 'images') {
      const image = this.image(parts[1]!, parts[4]!);
      if (!image) throw notFound(path);
      return image;
    }
    const resource = this.state.resources[path];
    if (!resource) throw notFound(path);
    return resource;
  }

  /** A referenced resource that must exist (GCE answers 404 for a dangling reference). */
  private resolve(reference: unknown, project: string, scope: Scope, collection: string, field: string): Resource {
    if (typeof reference !== 'string' || !reference) throw invalid(`Invalid value for field '${field}': '${String(reference)}'.`);
    const path = reference.includes('/') ? this.pathOf(reference, project) : `projects/${project}/${scope.path}/${collection}/${reference}`;
    if (!path.split('/').includes(collection))
      throw invalid(`Invalid value for field '${field}': '${reference}'. Expected a ${collection} reference.`);
    return this.get(path);
  }

  private insert(project: string, scope: Scope, collection: string, body: unknown): unknown {
    const input = (body ?? {}) as Record<string, unknown>;
    const name = input.name;
    if (typeof name !== 'string' || !name) throw new ApiError(400, 'required', "Required field 'resource.name' not specified");
    if (!NAME.test(name)) {
      throw invalid(`Invalid value for field 'resource.name': '${name}'. Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'`);
    }
    const path = `projects/${project}/${scope.path}/${collection}/${name}`;
    if (this.state.resources[path]) throw alreadyExists(path);
    if (collection === 'images') throw new ApiError(400, 'unsupportedOperation', 'The emulator holds public images only');
    const common: Resource = {
      kind: `compute#${COLLECTIONS[scope.kind][collection]}`,
      id: this.newId(),
      creationTimestamp: timestamp(this.now()),
      name,
      ...(typeof input.description === 'string' ? { description: input.description } : {}),
      selfLink: this.link(path),
      ...(scope.kind === 'region' ? { region: this.link(`projects/${project}/${scope.path}`) } : {}),
      ...(scope.kind === 'zone' ? { zone: this.link(`projects/${project}/${scope.path}`) } : {}),
    };
    const resource = this.build(collection, input, common, project, scope);
    this.state.resources[path] = resource;
    this.afterInsert(collection, resource, project, scope);
    return this.operation(project, scope, 'insert', resource.selfLink, resource.id as string);
  }

  private update(project: string, scope: Scope, path: string, body: unknown, patch: boolean): unknown {
    const current = this.get(path);
    const collection = path.split('/').at(-2)!;
    if (collection !== 'backendServices') throw new ApiError(400, 'unsupportedOperation', `update is not emulated for ${collection}`);
    const input = (body ?? {}) as Record<string, unknown>;
    if (input.fingerprint !== undefined && input.fingerprint !== current.fingerprint) {
      throw new ApiError(412, 'conditionNotMet', 'Supplied fingerprint does not match current fingerprint.');
    }
    const next = patch ? { ...current, ...input } : { ...input };
    const built = this.build(
      collection,
      next,
      { ...current, ...pick(current, ['kind', 'id', 'creationTimestamp', 'name', 'selfLink', 'region']) },
      project,
      scope,
    );
    this.state.resources[path] = built;
    return this.operation(project, scope, patch ? 'patch' : 'update', current.selfLink, current.id as string);
  }

  private delete(project: string, scope: Scope, path: string): unknown {
    const resource = this.get(path);
    const collection = path.split('/').at(-2)!;
    this.guardDeletion(collection, resource, project);
    delete this.state.resources[path];
    delete this.state.members[resource.selfLink];
    this.afterDelete(collection, resource, project);
    return this.operation(project, scope, 'delete', resource.selfLink, resource.id as string);
  }

  private operation(project: string, scope: Scope, type: string, target: string, targetId: string): Resource {
    const at = timestamp(this.now());
    const name = `operation-${Date.now()}-${crypto.randomBytes(6).toString('hex')}`;
    const path = `projects/${project}/${scope.path}/operations/${name}`;
    const operation: Resource = {
      kind: 'compute#operation',
      id: this.newId(),
      name,
      operationType: type,
      targetLink: target,
      targetId,
      status: 'DONE',
      user: 'lab-emulator@localhost',
      progress: 100,
      insertTime: at,
      startTime: at,
      endTime: at,
      selfLink: this.link(path),
      ...(scope.kind === 'zone' ? { zone: this.link(`projects/${project}/${scope.path}`) } : {}),
      ...(scope.kind === 'region' ? { region: this.link(`projects/${project}/${scope.path}`) } : {}),
    };
    this.state.operations[path] = operation;
    return operation;
  }

  private newId(): string {
    this.state.counter += 1;
    return (BigInt(crypto.randomBytes(6).readUIntBE(0, 6)) * 1000n + BigInt(this.state.counter % 1000)).toString();
  }

  // --- resource kinds --------------------------------------------------------------------

  private build(collection: string, input: Record<string, unknown>, common: Resource, project: string, scope: Scope): Resource {
    switch (collection) {
      case 'networks': {
        if (input.IPv4Range !== undefined)
          throw invalid('Legacy networks are not supported by the emulator; use --subnet-mode custom or auto');
        return {
          ...common,
          autoCreateSubnetworks: input.autoCreateSubnetworks === true,
          subnetworks: [],
          routingConfig: { routingMode: (input.routingConfig as { routingMode?: string } | undefined)?.routingMode ?? 'REGIONAL' },
          networkFirewallPolicyEnforcementOrder: 'AFTER_CLASSIC_FIREWALL',
          mtu: typeof input.mtu === 'number' ? input.mtu : 1460,
        };
      }
      case 'subnetworks': {
        const network = this.resolve(input.network, project, { kind: 'global', path: 'global' }, 'networks', 'resource.network');
        const range = parseCidr(input.ipCidrRange, 'resource.ipCidrRange');
        for (const other of this.itemsWhere((path) => path.startsWith(`projects/${project}/regions/`) && path.includes('/subnetworks/'))) {
          if (other.network === network.selfLink && rangesOverlap(range, parseCidr(other.ipCidrRange, 'ipCidrRange'))) {
            throw invalid(
              `Invalid IPCidrRange: ${String(input.ipCidrRange)} conflicts with existing subnetwork '${other.name}' in region '${scope.name}'.`,
            );
          }
        }
        return {
          ...common,
          network: network.selfLink,
          ipCidrRange: input.ipCidrRange,
          gatewayAddress: addressAt(range, 1),
          privateIpGoogleAccess: input.privateIpGoogleAccess === true,
          stackType: 'IPV4_ONLY',
          purpose: 'PRIVATE',
          fingerprint: fingerprint(),
        };
      }
      case 'firewalls': {
        const network = this.resolve(
          input.network ?? 'global/networks/default',
          project,
          { kind: 'global', path: 'global' },
          'networks',
          'resource.network',
        );
        if (!input.allowed && !input.denied) throw new ApiError(400, 'required', "Required field 'resource.allowed' not specified");
        return {
          ...common,
          network: network.selfLink,
          priority: typeof input.priority === 'number' ? input.priority : 1000,
          direction: input.direction ?? 'INGRESS',
          ...(input.allowed ? { allowed: input.allowed } : {}),
          ...(input.denied ? { denied: input.denied } : {}),
          sourceRanges: input.sourceRanges ?? (input.sourceTags ? undefined : ['0.0.0.0/0']),
          ...(input.sourceTags ? { sourceTags: input.sourceTags } : {}),
          ...(input.targetTags ? { targetTags: input.targetTags } : {}),
          logConfig: { enable: false },
          disabled: input.disabled === true,
        };
      }
      case 'addresses': {
        const internal = input.addressType === 'INTERNAL';
        const address = typeof input.address === 'string' ? input.address : this.allocate(RESERVED_ADDRESSES);
        return {
          ...common,
          address,
          addressType: internal ? 'INTERNAL' : 'EXTERNAL',
          status: 'RESERVED',
          ...(internal ? {} : { networkTier: input.networkTier ?? 'PREMIUM' }),
          ipVersion: 'IPV4',
          labelFingerprint: '42WmSpB8rSM=',
        };
      }
      case 'healthChecks':
      case 'httpHealthChecks': {
        const type = String(input.type ?? 'TCP');
        return {
          ...common,
          ...(collection === 'healthChecks' ? { type } : {}),
          ...pick(input, [
            'httpHealthCheck',
            'httpsHealthCheck',
            'tcpHealthCheck',
            'http2HealthCheck',
            'sslHealthCheck',
            'port',
            'requestPath',
            'host',
          ]),
          checkIntervalSec: input.checkIntervalSec ?? 5,
          timeoutSec: input.timeoutSec ?? 5,
          healthyThreshold: input.healthyThreshold ?? 2,
          unhealthyThreshold: input.unhealthyThreshold ?? 2,
        };
      }
      case 'backendServices': {
        const healthChecks = ((input.healthChecks as string[] | undefined) ?? []).map(
          (reference) =>
            this.resolve(
              reference,
              project,
              scope,
              reference.includes('httpHealthChecks') ? 'httpHealthChecks' : 'healthChecks',
              'resource.healthChecks',
            ).selfLink,
        );
        const backends = ((input.backends as { group?: string }[] | undefined) ?? []).map((backend) => ({
          balancingMode: 'CONNECTION',
          ...backend,
          group: this.resolve(backend.group, project, scope, 'instanceGroups', 'resource.backends[].group').selfLink,
        }));
        return {
          ...common,
          ...pick(input, ['portName', 'port', 'timeoutSec', 'sessionAffinity', 'connectionDraining', 'description']),
          loadBalancingScheme: input.loadBalancingScheme ?? 'EXTERNAL',
          protocol: input.protocol ?? 'TCP',
          healthChecks,
          backends,
          sessionAffinity: input.sessionAffinity ?? 'NONE',
          timeoutSec: input.timeoutSec ?? 30,
          connectionDraining: input.connectionDraining ?? { drainingTimeoutSec: 300 },
          fingerprint: fingerprint(),
        };
      }
      case 'forwardingRules': {
        const backendService =
          input.backendService === undefined
            ? undefined
            : this.resolve(input.backendService, project, scope, 'backendServices', 'resource.backendService').selfLink;
        const target =
          input.target === undefined ? undefined : this.resolve(input.target, project, scope, 'targetPools', 'resource.target').selfLink;
        const { ip } = this.forwardingAddress(input.IPAddress, project, scope);
        return {
          ...common,
          IPAddress: ip,
          IPProtocol: input.IPProtocol ?? 'TCP',
          ...(input.ports ? { ports: input.ports } : {}),
          ...(input.portRange ? { portRange: input.portRange } : {}),
          ...(backendService ? { backendService } : {}),
          ...(target ? { target } : {}),
          loadBalancingScheme: input.loadBalancingScheme ?? 'EXTERNAL',
          networkTier: input.networkTier ?? 'PREMIUM',
          labelFingerprint: '42WmSpB8rSM=',
          fingerprint: fingerprint(),
        };
      }
      case 'targetPools':
        return {
          ...common,
          instances: input.instances ?? [],
          healthChecks: input.healthChecks ?? [],
          sessionAffinity: input.sessionAffinity ?? 'NONE',
        };
      case 'instanceGroups': {
        const network =
          input.network === undefined
            ? undefined
            : this.resolve(input.network, project, { kind: 'global', path: 'global' }, 'networks', 'resource.network');
        return {
          ...common,
          ...(network ? { network: network.selfLink } : {}),
          namedPorts: input.namedPorts ?? [],
          size: 0,
          fingerprint: fingerprint(),
        };
      }
      case 'disks': {
        const sourceImage = input.sourceImage === undefined ? undefined : this.imageByReference(input.sourceImage as string, project);
        return {
          ...common,
          sizeGb: String(input.sizeGb ?? (sourceImage ? 10 : 500)),
          status: 'READY',
          type: this.link(`projects/${project}/${scope.path}/diskTypes/${typeName(input.type) ?? 'pd-standard'}`),
          ...(sourceImage ? { sourceImage: sourceImage.selfLink, sourceImageId: sourceImage.id } : {}),
          labels: input.labels ?? {},
          labelFingerprint: fingerprint(),
          physicalBlockSizeBytes: '4096',
        };
      }
      case 'instances':
        return this.buildInstance(input, common, project, scope);
      case 'instanceGroupManagers':
        throw new ApiError(400, 'unsupportedOperation', 'Managed instance groups are not emulated');
      default:
        throw notFound(common.selfLink);
    }
  }

  private imageByReference(reference: string, project: string): Resource {
    const path = this.pathOf(reference, project);
    // gcloud names a family by its zonal view (`zones/-/imageFamilyViews/F`) or as `images/family/F`.
    const family = /^projects\/([^/]+)\/(?:global\/images\/family|zones\/[^/]+\/imageFamilyViews)\/([^/]+)$/.exec(path);
    if (family) return this.imageFromFamily(family[1]!, family[2]!);
    return this.get(path);
  }

  private forwardingAddress(reference: unknown, project: string, scope: Scope): { ip: string; address?: Resource } {
    if (reference === undefined) return { ip: this.allocate(RESERVED_ADDRESSES) };
    if (typeof reference === 'string' && /^\d+\.\d+\.\d+\.\d+$/.test(reference)) {
      const address = this.itemsIn(`projects/${project}/${scope.path}/addresses`).find((candidate) => candidate.address === reference);
      return address ? { ip: reference, address } : { ip: reference };
    }
    const address = this.resolve(reference, project, scope, 'addresses', 'resource.IPAddress');
    return { ip: address.address as string, address };
  }

  private buildInstance(input: Record<string, unknown>, common: Resource, project: string, scope: Scope): Resource {
    const machineType = typeName(input.machineType);
    if (!machineType || !(machineType in MACHINE_TYPES)) {
      throw invalid(
        `Invalid value for field 'resource.machineType': '${String(input.machineType)}'. Machine type with name '${machineType}' does not exist in zone '${scope.name}'.`,
      );
    }
    const interfaces = (input.networkInterfaces as Record<string, unknown>[] | undefined) ?? [{ network: 'global/networks/default' }];
    const networkInterfaces = interfaces.map((nic, index) => {
      const subnetwork =
        nic.subnetwork === undefined
          ? undefined
          : this.resolve(
              nic.subnetwork,
              project,
              { kind: 'region', path: `regions/${regionOfZone(scope.name!)}` },
              'subnetworks',
              `resource.networkInterfaces[${index}].subnetwork`,
            );
      if (subnetwork && !subnetwork.region?.toString().endsWith(`/regions/${regionOfZone(scope.name!)}`)) {
        throw invalid(
          `Invalid value for field 'resource.networkInterfaces[${index}].subnetwork': '${String(nic.subnetwork)}'. The referenced subnetwork resource cannot be found.`,
        );
      }
      const network = subnetwork
        ? this.get(this.pathOf(subnetwork.network as string, project))
        : this.resolve(
            nic.network ?? 'global/networks/default',
            project,
            { kind: 'global', path: 'global' },
            'networks',
            `resource.networkInterfaces[${index}].network`,
          );
      if (!subnetwork && network.autoCreateSubnetworks !== true) {
        throw invalid(
          `Invalid value for field 'resource.networkInterfaces[${index}].network': '${network.selfLink}'. The referenced network resource has no subnetwork in this region; specify one.`,
        );
      }
      const accessConfigs = ((nic.accessConfigs as Record<string, unknown>[] | undefined) ?? []).map((config) => ({
        kind: 'compute#accessConfig',
        type: 'ONE_TO_ONE_NAT',
        name: config.name ?? 'External NAT',
        natIP: typeof config.natIP === 'string' ? config.natIP : this.allocate(INSTANCE_ADDRESSES),
        networkTier: config.networkTier ?? 'PREMIUM',
      }));
      return {
        kind: 'compute#networkInterface',
        name: `nic${index}`,
        network: network.selfLink,
        ...(subnetwork ? { subnetwork: subnetwork.selfLink } : {}),
        networkIP: subnetwork ? this.nextInternalAddress(subnetwork) : `10.128.0.${2 + index}`,
        accessConfigs,
        fingerprint: fingerprint(),
        stackType: 'IPV4_ONLY',
      };
    });
    const disks = ((input.disks as Record<string, unknown>[] | undefined) ?? []).map((disk, index) => {
      const params = (disk.initializeParams ?? {}) as Record<string, unknown>;
      const deviceName = (disk.deviceName as string | undefined) ?? (index === 0 ? common.name : `persistent-disk-${index}`);
      let source = disk.source as string | undefined;
      if (!source) {
        if (!params.sourceImage && index === 0)
          throw invalid(
            "Invalid value for field 'resource.disks[0].initializeParams.sourceImage': ''. Source image is required for a boot disk.",
          );
        const image = params.sourceImage ? this.imageByReference(params.sourceImage as string, project) : undefined;
        const diskName = (params.diskName as string | undefined) ?? (index === 0 ? common.name : `${common.name}-${index}`);
        const diskPath = `projects/${project}/${scope.path}/disks/${diskName}`;
        if (this.state.resources[diskPath]) throw alreadyExists(diskPath);
        source = this.link(diskPath);
        this.state.resources[diskPath] = {
          kind: 'compute#disk',
          id: this.newId(),
          creationTimestamp: common.creationTimestamp,
          name: diskName,
          sizeGb: String(params.diskSizeGb ?? 10),
          zone: common.zone,
          status: 'READY',
          selfLink: source,
          type: this.link(`projects/${project}/${scope.path}/diskTypes/${typeName(params.diskType) ?? 'pd-standard'}`),
          ...(image ? { sourceImage: image.selfLink, sourceImageId: image.id } : {}),
          labels: params.labels ?? {},
          labelFingerprint: fingerprint(),
          users: [common.selfLink],
          physicalBlockSizeBytes: '4096',
        };
      } else {
        const existing = this.resolve(source, project, scope, 'disks', `resource.disks[${index}].source`);
        if ((existing.users as string[] | undefined)?.length && disk.mode !== 'READ_ONLY') {
          throw inUse(this.pathOf(existing.selfLink, project), this.pathOf((existing.users as string[])[0]!, project));
        }
        existing.users = [...((existing.users as string[] | undefined) ?? []), common.selfLink];
        source = existing.selfLink;
      }
      return {
        kind: 'compute#attachedDisk',
        type: 'PERSISTENT',
        mode: disk.mode ?? 'READ_WRITE',
        source,
        deviceName,
        index,
        boot: disk.boot === true || index === 0,
        autoDelete: disk.autoDelete === true,
        interface: 'SCSI',
        diskSizeGb: (this.get(this.pathOf(source, project)).sizeGb as string) ?? '10',
      };
    });
    const scheduling = (input.scheduling ?? {}) as Record<string, unknown>;
    const metadata = (input.metadata ?? {}) as { items?: unknown[] };
    const tags = (input.tags ?? {}) as { items?: string[] };
    return {
      ...common,
      machineType: this.link(`projects/${project}/${scope.path}/machineTypes/${machineType}`),
      status: 'RUNNING',
      networkInterfaces,
      disks,
      metadata: { kind: 'compute#metadata', fingerprint: fingerprint(), ...(metadata.items ? { items: metadata.items } : {}) },
      tags: { ...(tags.items ? { items: tags.items } : {}), fingerprint: fingerprint() },
      labels: input.labels ?? {},
      labelFingerprint: fingerprint(),
      serviceAccounts: ((input.serviceAccounts as { email?: string; scopes?: string[] }[] | undefined) ?? []).map((account, index) => {
        if (account.email && accountExists(this.state, account.email) === false) {
          throw invalid(
            `Invalid value for field 'resource.serviceAccounts[${index}].email': '${account.email}'. The user does not have access to service account '${account.email}'.  User: 'lab-emulator@localhost'.  Ask a project owner to grant you the iam.serviceAccountUser role on the service account`,
          );
        }
        return {
          ...account,
          email: account.email === 'default' ? `${this.project(project).number}-compute@developer.gserviceaccount.com` : account.email,
        };
      }),
      scheduling: {
        onHostMaintenance: 'MIGRATE',
        automaticRestart: true,
        preemptible: false,
        provisioningModel: 'STANDARD',
        ...scheduling,
      },
      cpuPlatform: 'Intel Broadwell',
      lastStartTimestamp: common.creationTimestamp,
      startRestricted: false,
      deletionProtection: input.deletionProtection === true,
      canIpForward: input.canIpForward === true,
      fingerprint: fingerprint(),
    };
  }

  private nextInternalAddress(subnetwork: Resource): string {
    const range = parseCidr(subnetwork.ipCidrRange, 'ipCidrRange');
    const used = new Set(
      this.itemsWhere((path) => path.includes('/instances/')).flatMap((instance) =>
        (instance.networkInterfaces as { subnetwork?: string; networkIP?: string }[])
          .filter((nic) => nic.subnetwork === subnetwork.selfLink)
          .map((nic) => nic.networkIP),
      ),
    );
    for (let offset = 2; offset < range.size - 1; offset += 1) {
      const candidate = addressAt(range, offset);
      if (!used.has(candidate)) return candidate;
    }
    throw new ApiError(400, 'invalid', `IP space of '${subnetwork.selfLink}' is exhausted.`);
  }

  /** A free loopback address of a pool (used by an instance's natIP or an address). */
  private allocate(pool: { first: number; last: number }): string {
    const used = new Set<string>();
    for (const resource of Object.values(this.state.resources)) {
      if (typeof resource.address === 'string') used.add(resource.address);
      if (typeof resource.IPAddress === 'string') used.add(resource.IPAddress);
      for (const nic of (resource.networkInterfaces as { accessConfigs?: { natIP?: string }[] }[] | undefined) ?? []) {
        for (const config of nic.accessConfigs ?? []) if (config.natIP) used.add(config.natIP);
      }
    }
    for (let last = pool.first; last <= pool.last; last += 1) {
      if (!used.has(`${this.addressPrefix}${last}`)) return `${this.addressPrefix}${last}`;
    }
    throw new ApiError(403, 'badRequest', `Quota 'IN_USE_ADDRESSES' exceeded. Limit: ${pool.last - pool.first + 1}.0`);
  }

  private afterInsert(collection: string, resource: Resource, project: string, scope: Scope): void {
    if (collection === 'subnetworks') {
      const network = this.get(this.pathOf(resource.network as string, project));
      network.subnetworks = [...(network.subnetworks as string[]), resource.selfLink];
    }
    if (collection === 'forwardingRules') {
      const { address } = this.forwardingAddress(resource.IPAddress, project, scope);
      if (address) {
        address.status = 'IN_USE';
        address.users = [...((address.users as string[] | undefined) ?? []), resource.selfLink];
      }
    }
    if (collection === 'instances') this.hooks.started(resource, this.sshKeys(resource, project));
  }

  /** The keys GCE's guest agent would install: the instance's, and the project's unless blocked. */
  sshKeys(instance: Resource, project: string): string {
    const items = ((instance.metadata as { items?: { key: string; value: string }[] }).items ?? []) as { key: string; value: string }[];
    const value = (key: string) => items.find((item) => item.key === key)?.value;
    const own = value('ssh-keys') ?? '';
    if (value('block-project-ssh-keys')?.toLowerCase() === 'true') return own;
    const shared = this.project(project).metadata.items.find((item) => item.key === 'ssh-keys')?.value ?? '';
    return [shared, own].filter(Boolean).join('\n');
  }

  /** Every running instance with its keys, to start their hosts after a restart. */
  runningInstances(): { instance: Resource; sshKeys: string }[] {
    return this.itemsWhere((path) => path.split('/')[4] === 'instances')
      .filter((instance) => instance.status === 'RUNNING')
      .map((instance) => ({ instance, sshKeys: this.sshKeys(instance, this.pathOf(instance.selfLink, '').split('/')[1]!) }));
  }

  /** GCE refuses to delete what another resource uses (400 resourceInUseByAnotherResource). */
  private guardDeletion(collection: string, resource: Resource, project: string): void {
    const path = this.pathOf(resource.selfLink, project);
    const user = (test: (other: Resource, otherPath: string) => boolean) => {
      const found = Object.entries(this.state.resources).find(
        ([otherPath, other]) => otherPath.split('/')[1] === project && test(other, otherPath),
      );
      if (found) throw inUse(path, found[0]);
    };
    const link = resource.selfLink;
    switch (collection) {
      case 'networks':
        user((other) => other.network === link && (other.kind === 'compute#subnetwork' || other.kind === 'compute#firewall'));
        user(
          (other) =>
            other.kind === 'compute#instance' && (other.networkInterfaces as { network: string }[]).some((nic) => nic.network === link),
        );
        break;
      case 'subnetworks':
        user(
          (other) =>
            other.kind === 'compute#instance' &&
            (other.networkInterfaces as { subnetwork?: string }[]).some((nic) => nic.subnetwork === link),
        );
        break;
      case 'addresses':
        if ((resource.users as string[] | undefined)?.length) throw inUse(path, this.pathOf((resource.users as string[])[0]!, project));
        break;
      case 'healthChecks':
      case 'httpHealthChecks':
        user((other) => ((other.healthChecks as string[] | undefined) ?? []).includes(link));
        break;
      case 'instanceGroups':
        user(
          (other) =>
            other.kind === 'compute#backendService' && (other.backends as { group: string }[]).some((backend) => backend.group === link),
        );
        break;
      case 'backendServices':
      case 'targetPools':
        user((other) => other.kind === 'compute#forwardingRule' && (other.backendService === link || other.target === link));
        break;
      case 'disks':
        if ((resource.users as string[] | undefined)?.length) throw inUse(path, this.pathOf((resource.users as string[])[0]!, project));
        break;
    }
  }

  private afterDelete(collection: string, resource: Resource, project: string): void {
    if (collection === 'subnetworks') {
      const network = this.state.resources[this.pathOf(resource.network as string, project)];
      if (network) network.subnetworks = (network.subnetworks as string[]).filter((link) => link !== resource.selfLink);
    }
    if (collection === 'forwardingRules') {
      for (const address of this.itemsWhere((path) => path.includes('/addresses/'))) {
        const users = ((address.users as string[] | undefined) ?? []).filter((user) => user !== resource.selfLink);
        if (users.length !== ((address.users as string[] | undefined) ?? []).length) {
          address.users = users;
          if (users.length === 0) {
            address.status = 'RESERVED';
            delete address.users;
          }
        }
      }
    }
    if (collection === 'instances') {
      this.hooks.stopped(resource);
      for (const disk of resource.disks as { source: string; autoDelete: boolean }[]) {
        const diskPath = this.pathOf(disk.source, project);
        const stored = this.state.resources[diskPath];
        if (!stored) continue;
        stored.users = ((stored.users as string[] | undefined) ?? []).filter((user) => user !== resource.selfLink);
        if (disk.autoDelete) delete this.state.resources[diskPath];
        else if ((stored.users as string[]).length === 0) delete stored.users;
      }
      for (const group of this.itemsWhere((path) => path.includes('/instanceGroups/'))) {
        const members = this.members(group);
        if (members.includes(resource.selfLink))
          this.setMembers(
            group,
            members.filter((member) => member !== resource.selfLink),
          );
      }
    }
  }

  private setMembers(group: Resource, members: string[]): void {
    // Kept beside the group: GCE's InstanceGroup has no field listing its instances.
    if (members.length > 0) this.state.members[group.selfLink] = members;
    else delete this.state.members[group.selfLink];
    group.size = members.length;
    group.fingerprint = fingerprint();
  }

  // --- custom methods --------------------------------------------------------------------

  private act(project: string, scope: Scope, path: string, verb: string, body: unknown): unknown {
    const resource = this.get(path);
    const collection = path.split('/').at(-2)!;
    const input = (body ?? {}) as Record<string, unknown>;
    const done = (type: string) => this.operation(project, scope, type, resource.selfLink, resource.id as string);
    const key = `${collection}.${verb}`;
    switch (key) {
      case 'instanceGroups.addInstances':
      case 'instanceGroups.removeInstances': {
        const references = ((input.instances as { instance?: string }[] | undefined) ?? []).map((entry) =>
          this.resolve(entry.instance, project, scope, 'instances', 'instances[].instance'),
        );
        const members = this.members(resource);
        for (const instance of references) {
          if (!instance.zone || instance.zone !== resource.zone)
            throw invalid(`Instance '${instance.name}' is not in the zone of instance group '${resource.name}'.`);
          if (verb === 'addInstances' && members.includes(instance.selfLink)) {
            throw new ApiError(400, 'invalid', `Resource '${instance.selfLink}' is already a member of '${resource.selfLink}'`);
          }
          if (verb === 'addInstances' && !resource.network)
            resource.network = (instance.networkInterfaces as { network: string }[])[0]!.network;
        }
        const links = references.map((instance) => instance.selfLink);
        this.setMembers(resource, verb === 'addInstances' ? [...members, ...links] : members.filter((member) => !links.includes(member)));
        return done(verb);
      }
      case 'instanceGroups.listInstances': {
        const items = this.members(resource).map((link) => ({
          instance: link,
          status: (this.state.resources[this.pathOf(link, project)]?.status as string | undefined) ?? 'TERMINATED',
          namedPorts: resource.namedPorts,
        }));
        return { kind: 'compute#instanceGroupsListInstances', id: resource.selfLink, items, selfLink: resource.selfLink };
      }
      case 'instanceGroups.setNamedPorts':
        resource.namedPorts = input.namedPorts ?? [];
        resource.fingerprint = fingerprint();
        return done('setNamedPorts');
      case 'backendServices.getHealth': {
        const group = this.resolve(input.group, project, scope, 'instanceGroups', 'group');
        const healthStatus = this.members(group).flatMap((link) => {
          const instance = this.state.resources[this.pathOf(link, project)];
          if (!instance) return [];
          const nic = (instance.networkInterfaces as { networkIP: string }[])[0]!;
          return [{ instance: link, ipAddress: nic.networkIP, port: this.healthPort(resource, project), healthState: 'UNHEALTHY' }];
        });
        return { kind: 'compute#backendServiceGroupHealth', ...(healthStatus.length ? { healthStatus } : {}) };
      }
      case 'instances.setMetadata':
      case 'instances.setLabels':
      case 'instances.setTags':
      case 'disks.setLabels':
        return this.setFingerprinted(resource, project, verb, input, done);
      case 'instances.start':
      case 'instances.stop':
        resource.status = verb === 'start' ? 'RUNNING' : 'TERMINATED';
        if (verb === 'start') this.hooks.started(resource, this.sshKeys(resource, project));
        else this.hooks.stopped(resource);
        return done(verb);
      case 'instances.getGuestAttributes':
        throw notFound(`${path}/guestAttributes`);
      default:
        throw new ApiError(400, 'unsupportedOperation', `The emulator does not implement ${key}`);
    }
  }

  private members(group: Resource): string[] {
    return this.state.members[group.selfLink] ?? [];
  }

  private healthPort(service: Resource, project: string): number {
    const check = this.state.resources[this.pathOf((service.healthChecks as string[])[0] ?? '', project)];
    const spec = (check?.httpsHealthCheck ?? check?.httpHealthCheck ?? check?.tcpHealthCheck) as { port?: number } | undefined;
    return spec?.port ?? 80;
  }

  private setFingerprinted(
    resource: Resource,
    project: string,
    verb: string,
    input: Record<string, unknown>,
    done: (type: string) => unknown,
  ): unknown {
    const field = verb === 'setMetadata' ? 'metadata' : verb === 'setTags' ? 'tags' : 'labels';
    const current = field === 'labels' ? resource.labelFingerprint : (resource[field] as { fingerprint?: string } | undefined)?.fingerprint;
    const supplied = field === 'labels' ? input.labelFingerprint : input.fingerprint;
    if (supplied !== undefined && supplied !== current) {
      throw new ApiError(412, 'conditionNotMet', `Supplied fingerprint does not match current ${field} fingerprint.`);
    }
    if (field === 'labels') {
      resource.labels = input.labels ?? {};
      resource.labelFingerprint = fingerprint();
    } else if (field === 'metadata') {
      resource.metadata = { kind: 'compute#metadata', fingerprint: fingerprint(), ...(input.items ? { items: input.items } : {}) };
      if (resource.status === 'RUNNING') this.hooks.started(resource, this.sshKeys(resource, project));
    } else {
      resource.tags = { ...(input.items ? { items: input.items } : {}), fingerprint: fingerprint() };
    }
    return done(verb);
  }

  /** Instances past their `scheduling.maxRunDuration` are deleted (or stopped), as GCE does. */
  private expireInstances(): void {
    const now = this.now().getTime();
    for (const [path, instance] of Object.entries(this.state.resources)) {
      if (instance.kind !== 'compute#instance' || instance.status !== 'RUNNING') continue;
      const scheduling = instance.scheduling as { maxRunDuration?: { seconds?: string }; instanceTerminationAction?: string };
      const seconds = Number(scheduling.maxRunDuration?.seconds ?? 0);
      if (!seconds || Date.parse(instance.lastStartTimestamp as string) + seconds * 1000 > now) continue;
      const [, project, , zone] = path.split('/');
      if (scheduling.instanceTerminationAction === 'DELETE')
        this.delete(project!, { kind: 'zone', path: `zones/${zone}`, name: zone! }, path);
      else {
        instance.status = 'TERMINATED';
        this.hooks.stopped(instance);
      }
    }
  }

  /** Every resource of a project, for `lab rehearse`'s proof that nothing is left. */
  resourcesOf(project: string): Resource[] {
    return this.itemsWhere((path) => path.split('/')[1] === project);
  }
}

/** URL-safe base64, as GCE writes fingerprints and apitools sends them back (a bytes field). */
function fingerprint(): string {
  return `${crypto.randomBytes(8).toString('base64url')}=`;
}

/** RFC 3339 in Pacific time, as GCE writes its timestamps. */
function timestamp(date: Date): string {
  const pacific = new Date(date.getTime() - 8 * 3600_000);
  return `${pacific.toISOString().replace('Z', '')}-08:00`;
}

function pick(source: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((key) => source[key] !== undefined).map((key) => [key, source[key]]));
}

function typeName(reference: unknown): string | undefined {
  return typeof reference === 'string' ? reference.split('/').at(-1) : undefined;
}

interface Range {
  start: number;
  size: number;
}

function parseCidr(value: unknown, field: string): Range {
  const match = typeof value === 'string' ? /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(value) : null;
  const octets = match ? match.slice(1, 5).map(Number) : [];
  const bits = match ? Number(match[5]) : -1;
  if (!match || octets.some((octet) => octet > 255) || bits < 8 || bits > 29) {
    throw invalid(`Invalid value for field '${field}': '${String(value)}'. Invalid IPCidrRange.`);
  }
  const start = octets.reduce((sum, octet) => sum * 256 + octet, 0);
  const size = 2 ** (32 - bits);
  if (start % size !== 0) throw invalid(`Invalid value for field '${field}': '${String(value)}'. The range has host bits set.`);
  return { start, size };
}

function rangesOverlap(a: Range, b: Range): boolean {
  return a.start < b.start + b.size && b.start < a.start + a.size;
}

function addressAt(range: Range, offset: number): string {
  const value = range.start + offset;
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}
