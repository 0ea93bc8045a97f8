/** Deletes what findLabResources found, kind by kind in dependency order, and says what happened. */
import { runTool } from '../execute/run-tool.js';
import { DELETION_ORDER, deleteArgs, type LabResource } from './find-lab-resources.js';

export interface DeletionResult {
  resource: LabResource;
  deleted: boolean;
  error?: string;
}

export async function deleteLabResources(
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
          const result = await runTool('gcloud', deleteArgs(resource, project), { stdin: 'ignore', timeout: 600_000 });
          const outcome =
            result.exitCode === 0
              ? { resource, deleted: true }
              : { resource, deleted: false, error: result.stderr.trim().split('\n').at(-1) ?? '' };
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
  return `${resource.kind.padEnd(26)} ${resource.name.padEnd(40)} ${where.padEnd(28)} created ${resource.created.toISOString()}`;
}
