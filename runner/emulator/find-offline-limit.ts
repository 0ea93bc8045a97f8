/**
 * Which steps of the book cannot run against the emulator, and why: what no machine without the
 * cloud has. Judged from the step's text before it runs, so the rehearsal stops in front of it.
 */
import type { Step } from '../book/types.js';

/** Debian's archive: the instances' apt reaches it, as it does on GCE. */
const REACHABLE_HOSTS = new Set(['deb.debian.org', 'security.debian.org']);

/** A command word at the start of a command: after a line start, `;`, `&&`, `||`, `|`, `(`, `$(` or `then`/`do`. */
const commandAt = (word: string) => new RegExp(`(?:^|[;&|(]|\\$\\(|\\bthen|\\bdo)\\s*(?:sudo\\s+)?${word}\\b`, 'm');

export function findOfflineLimit(step: Pick<Step, 'kind'> & { script?: string }): string | undefined {
  if (step.kind === 'kubectl') return 'it needs the Kubernetes API (a kubectl step), and no cluster can exist offline';
  if (step.kind === 'file' || step.script === undefined) return undefined;
  const script = step.script;
  if (commandAt('modprobe').test(script))
    return 'it loads kernel modules (modprobe), which an emulated instance shares with the machine and cannot load';
  for (const match of script.matchAll(/https?:\/\/([A-Za-z0-9.-]+)/g)) {
    const host = match[1]!;
    if (!REACHABLE_HOSTS.has(host)) return `it downloads from ${host}, outside Debian's archive`;
  }
  if (needsCluster(script)) return 'it runs kubectl against a cluster, and no Kubernetes API can exist offline';
  return undefined;
}

/** kubectl subcommands that never reach a cluster (`version` only with `--client`). */
const LOCAL_KUBECTL = /^(?:kustomize|config|completion|plugin|version\b.*--client)\b/;

function needsCluster(script: string): boolean {
  const calls = script.matchAll(/(?:^|[;&|(]|\$\(|\bthen|\bdo)\s*(?:sudo\s+)?kubectl\s+([^\n;|&)]*)/gm);
  return [...calls].some((call) => !LOCAL_KUBECTL.test(call[1]!.trim()));
}
