/**
 * What a tool said about a command line, kept between `lab check` runs: the same kubectl binary
 * says the same about the same arguments, so a second check asks it only about what changed.
 * Keyed on the tool's path, size and modification time (a new kubectl starts afresh), kept in
 * the user's cache folder (never a shared /tmp), written atomically; a file that cannot be read
 * is ignored and rebuilt.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const VERSION = 1;

export interface ToolVerdicts {
  /** The tool's complaint about `key`, null when it had none, undefined when it was never asked. */
  get(key: string): string | null | undefined;
  set(key: string, verdict: string | null): void;
  save(): void;
}

/** `asking` names how the tool is asked (a rule and its version): a new way starts afresh. */
export function openToolVerdicts(tool: string, asking: string, cacheDir = defaultCacheDir()): ToolVerdicts {
  let stamp: string;
  try {
    const real = realpathSync(tool);
    const stat = statSync(real);
    stamp = `${asking}:${real}:${stat.size}:${stat.mtimeMs}`;
  } catch {
    stamp = `${asking}:${tool}:unknown`;
  }
  const file = path.join(cacheDir, `verdicts-${createHash('sha256').update(stamp).digest('hex').slice(0, 16)}.json`);
  let verdicts: Record<string, string | null> = {};
  try {
    const entry = JSON.parse(readFileSync(file, 'utf8')) as { version: number; stamp: string; verdicts: Record<string, string | null> };
    if (entry.version === VERSION && entry.stamp === stamp && entry.verdicts && typeof entry.verdicts === 'object')
      verdicts = entry.verdicts;
  } catch {
    // No cache yet, or a broken one: ask the tool.
  }
  let changed = false;
  return {
    get: (key) => (Object.hasOwn(verdicts, key) ? verdicts[key] : undefined),
    set(key, verdict) {
      verdicts[key] = verdict;
      changed = true;
    },
    save() {
      if (!changed) return;
      try {
        mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
        const temporary = `${file}.${process.pid}.tmp`;
        writeFileSync(temporary, JSON.stringify({ version: VERSION, stamp, verdicts }), { mode: 0o600 });
        renameSync(temporary, file);
      } catch {
        // A cache that cannot be written only costs time.
      }
    },
  };
}

function defaultCacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'kubeadm-lab');
}
