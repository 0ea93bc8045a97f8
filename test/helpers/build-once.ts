import { execFileSync } from 'node:child_process';

/** Bundles the runner so the tests drive the same `lab` users run. */
export default function buildOnce(): void {
  execFileSync('npm', ['run', 'build:cli', '--silent'], { stdio: 'inherit' });
}
