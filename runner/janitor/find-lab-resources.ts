/**
 * Everything in a project that belongs to the lab and is older than a cutoff, in the order it
 * must be deleted (a resource in use by another cannot go first), like Boskos' gcp_janitor.
 * Instances and disks carry the `lab` label; the rest carry the prefix in their names.
 */
import { runTool } from '../execute/run-tool.js';

/** gcloud compute resource kinds, in deletion order. */
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
] as const;

export type ResourceKind = (typeof DELETION_ORDER)[number];

export interface LabResource {
  kind: ResourceKind;
  name: string;
  created: Date;
  /** Where it lives: `--zone Z`, `--region R`, or global. */
  scope: { zone: string } | { region: string } | { global: true };
}

interface ListedResource {
  name: string;
  creationTimestamp: string;
  zone?: string;
  region?: string;
  labels?: Record<string, string>;
}

const GLOBAL_OR_REGIONAL: readonly ResourceKind[] = ['forwarding-rules', 'backend-services', 'health-checks', 'addresses'];

/** Kinds found by the `lab` label rather than by name; GCE labels only these. */
const LABELLED: readonly ResourceKind[] = ['instances', 'disks'];

export function listArgs(kind: ResourceKind, project: string, prefix: string): string[] {
  const filter = LABELLED.includes(kind) ? `labels.lab ~ ^${prefix}` : `name ~ ^${prefix}-`;
  return ['compute', ...kind.split(' '), 'list', '--project', project, '--filter', filter, '--format', 'json'];
}

export function deleteArgs(resource: LabResource, project: string): string[] {
  const scope =
    'zone' in resource.scope ? ['--zone', resource.scope.zone] : 'region' in resource.scope ? ['--region', resource.scope.region] : [];
  // These kinds come in global and regional forms; without a flag gcloud would ask which.
  const global = 'global' in resource.scope && GLOBAL_OR_REGIONAL.includes(resource.kind) ? ['--global'] : [];
  return ['compute', ...resource.kind.split(' '), 'delete', resource.name, '--project', project, ...scope, ...global, '--quiet'];
}

export async function findLabResources(project: string, prefix: string, olderThan: Date): Promise<LabResource[]> {
  const found = await Promise.all(
    DELETION_ORDER.map(async (kind) => {
      const result = await runTool('gcloud', listArgs(kind, project, prefix), { stdin: 'ignore', timeout: 120_000 });
      if (result.exitCode !== 0) {
        throw new Error(
          `gcloud ${listArgs(kind, project, prefix).join(' ')} failed: ${result.stderr.trim() || `exit status ${result.exitCode}`}`,
        );
      }
      const listed = JSON.parse(result.stdout || '[]') as ListedResource[];
      return listed
        .map((item): LabResource => ({ kind, name: item.name, created: new Date(item.creationTimestamp), scope: scopeOf(item) }))
        .filter((resource) => resource.created < olderThan);
    }),
  );
  return found.flat();
}

function scopeOf(item: ListedResource): LabResource['scope'] {
  if (item.zone) return { zone: item.zone.split('/').at(-1)! };
  if (item.region) return { region: item.region.split('/').at(-1)! };
  return { global: true };
}
