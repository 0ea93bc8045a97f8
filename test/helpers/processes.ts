import { execFileSync } from 'node:child_process';

/** The pids of processes whose command line contains `pattern` (pgrep -f). */
export function processesMatching(pattern: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).trim().split('\n');
  } catch {
    return [];
  }
}
