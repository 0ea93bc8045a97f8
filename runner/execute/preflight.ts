/** Checks the workstation before anything runs: the tools the planned steps need are installed. */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { EXIT, LabError } from '../errors.js';
import { WORKSTATION, type Step, type StepKind } from '../book/types.js';

/** Exit status 3: the run cannot start on this machine as it is. */
export class PreflightError extends LabError {
  override name = 'PreflightError';

  constructor(message: string) {
    super(message, EXIT.preflight);
  }

  override describe(): string {
    return `lab: preflight failed; nothing was run.\n${this.message}`;
  }
}

const TOOLS: Partial<Record<StepKind, { tool: string; install: string }>> = {
  gcloud: {
    tool: 'gcloud',
    install: 'Install the Google Cloud CLI (https://cloud.google.com/sdk/docs/install), then run `gcloud init`.',
  },
  kubectl: {
    tool: 'kubectl',
    install: 'Install kubectl (https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/), or `gcloud components install kubectl`.',
  },
};

export interface MissingTool {
  tool: string;
  message: string;
}

export function findMissingTools(steps: { step: Step; hosts: string[] }[], searchPath = process.env.PATH ?? ''): MissingTool[] {
  const needed = new Map<string, { install: string; steps: string[] }>([['bash', { install: 'Install bash.', steps: [] }]]);
  for (const { step, hosts } of steps) {
    const tool = TOOLS[step.kind];
    if (!tool || !hosts.includes(WORKSTATION)) continue;
    const entry = needed.get(tool.tool) ?? { install: tool.install, steps: [] };
    entry.steps.push(step.id);
    needed.set(tool.tool, entry);
  }
  return [...needed]
    .filter(([tool]) => !isOnPath(tool, searchPath))
    .map(([tool, { install, steps }]) => ({
      tool,
      message:
        `\`${tool}\` is not installed (not found on PATH)` +
        (steps.length > 0
          ? `, and ${steps.length === 1 ? 'step' : 'steps'} ${listSome(steps)} run${steps.length === 1 ? 's' : ''} it on the workstation`
          : '') +
        `.\n  ${install}`,
    }));
}

export function isOnPath(tool: string, searchPath = process.env.PATH ?? ''): boolean {
  return findOnPath(tool, searchPath) !== undefined;
}

/** The executable `tool` would run, like `command -v`. */
export function findOnPath(tool: string, searchPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, tool);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

function listSome(items: string[]): string {
  return items.length <= 3 ? items.join(', ') : `${items.slice(0, 3).join(', ')} and ${items.length - 3} more`;
}
