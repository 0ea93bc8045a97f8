/** Deletes what findLabResources found, kind by kind in dependency order, and says what happened. */
import { DELETION_ORDER, deleteArgs, type Gcloud, type LabResource } from './find-lab-resources.js';

export interface DeletionResult {
  resource: LabResource;
  deleted: boolean;
  error?: string;
}

export async function deleteLabResources(
  gcloud: Gcloud,
  resources: LabResource[],
  project: string,
  onResult: (result: DeletionResult) => void,
): Promise<DeletionResult[]> {
  const results: DeletionResult[] = [];
  for (const kind of DELETION_ORDER) {
    // Resources of one kind do not depend on each other: they go together.
    const batch = await Promise.all(
      resources
        .filter((resource) => resource.kind === kind)
        .map(async (resource): Promise<DeletionResult> => {
          const result = await gcloud(deleteArgs(resource, project), 600_000);
          const outcome =
            result.exitCode === 0
              ? { resource, deleted: true }
              : { resource, deleted: false, error: result.stderr.trim().split('\n').at(-1) || `exit status ${result.exitCode}` };
          onResult(outcome);
          return outcome;
        }),
    );
    results.push(...batch);
  }
  return results;
}

export function describeResource(resource: LabResource): string {
  const where =
    'zone' in resource.scope ? `zone ${resource.scope.zone}` : 'region' in resource.scope ? `region ${resource.scope.region}` : 'global';
  return `${resource.kind.padEnd(26)} ${resource.name.padEnd(40)} ${where.padEnd(28)} created ${Number.isNaN(resource.created.getTime()) ? 'at an unknown time' : resource.created.toISOString()}`;
}
