/**
 * The emulator's state: every resource as GCE would return it, keyed by its path below the API
 * root (`projects/p/global/networks/n`), plus projects and operations. Links inside resources are
 * full URLs on the emulator's own address; a state file keeps that address so a restart on another
 * port rewrites them.
 */
import fs from 'node:fs';
import type { IamState } from './iam.js';
import path from 'node:path';

export type Resource = Record<string, unknown> & { name: string; selfLink: string };

export interface ProjectRecord {
  id: string;
  number: string;
  metadata: { items: { key: string; value: string }[]; fingerprint: string };
  services: string[];
}

export interface State {
  base: string;
  resources: Record<string, Resource>;
  operations: Record<string, Resource>;
  projects: Record<string, ProjectRecord>;
  /** Each unmanaged instance group's instances, by the group's link. */
  members: Record<string, string[]>;
  /** IAM and the project's policy, by project (iam.ts). */
  iam?: Record<string, IamState>;
  counter: number;
}

export function emptyState(base: string): State {
  return { base, resources: {}, operations: {}, projects: {}, members: {}, counter: 0 };
}

/** The state a file holds, its links moved to `base`; a missing file is an empty state. */
export function loadState(file: string, base: string): State {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyState(base);
    throw error;
  }
  let old: State;
  try {
    old = JSON.parse(text) as State;
  } catch (error) {
    throw new Error(`${file} is not an emulator state file (${(error as Error).message}); move it away to start empty`);
  }
  if (typeof old?.base !== 'string' || typeof old.resources !== 'object') {
    throw new Error(`${file} is not an emulator state file (no base or resources); move it away to start empty`);
  }
  return JSON.parse(text.split(old.base).join(base)) as State;
}

/** Written whole to a temporary file and renamed, so a kill never leaves half a state. */
export function saveState(file: string, state: State): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify(state), { mode: 0o600 });
  fs.renameSync(temporary, file);
}
