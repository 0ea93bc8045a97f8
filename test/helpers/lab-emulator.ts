/**
 * `lab emulator` as a child process, as a reader runs it: the export lines it prints, the
 * environment that points gcloud and `lab` at it, and a clean stop. Needs gcloud (else throws).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { requireGcloud } from './emulator.js';
import { LAB_BIN, PROJECT_ROOT } from './lab.js';

export interface LabEmulator {
  process: ResultPromise;
  /** CLOUDSDK_CONFIG and the compute override, parsed from the export lines. */
  env: Record<string, string>;
  /** The emulator's address, to read its API directly. */
  url: string;
  stderr(): string;
  /** Ctrl-C, then waits for it to exit. */
  stop(): Promise<void>;
}

export async function startLabEmulator(args: string[] = []): Promise<LabEmulator> {
  requireGcloud();
  const child = execa(process.execPath, [LAB_BIN, 'emulator', ...args], {
    reject: false,
    stdin: 'ignore',
    buffer: true,
    env: { CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE: '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = Date.now() + 240_000; // the first start builds the instances' image
  while (!/CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE='[^']+'\n/.test(stdout)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`lab emulator did not start:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const env = Object.fromEntries([...stdout.matchAll(/^export (\w+)='([^']*)'$/gm)].map((match) => [match[1]!, match[2]!]));
  return {
    process: child,
    env,
    url: env.CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE!.replace(/\/compute\/v1\/$/, ''),
    stderr: () => stderr,
    async stop() {
      child.kill('SIGINT');
      await child;
    },
  };
}

/**
 * A HOME of its own (gcloud writes ~/.ssh/google_compute_engine there), a non-root login name,
 * and a kubectl of the book's minor version: this machine's is gcloud's 1.32 dispatcher, which
 * chapter 2 rightly refuses, and kubectl 1.36 comes from dl.k8s.io, which cannot be reached here.
 * The stand-in answers `version --client` only (as the book's pinned minor); everything else goes
 * to the real kubectl.
 */
export function privateHome(): { env: Record<string, string>; remove(): void } {
  const home = mkdtempSync(path.join(tmpdir(), 'lab-emulator-home-'));
  const minor = /^\s*K8S_MINOR:\s*"?1\.(\d+)"?/m.exec(readFileSync(path.join(PROJECT_ROOT, 'docs/book.yaml'), 'utf8'))?.[1];
  if (!minor) throw new Error('docs/book.yaml has no K8S_MINOR: "1.N"');
  mkdirSync(path.join(home, 'bin'));
  const real = execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim();
  writeFileSync(
    path.join(home, 'bin', 'kubectl'),
    `#!/bin/sh\nif [ "$1" = version ] && [ "$2" = --client ]; then\n  printf '{"clientVersion": {"major": "1", "minor": "${minor}", "gitVersion": "v1.${minor}.0"}}\\n'\n  exit 0\nfi\nexec ${real} "$@"\n`,
    { mode: 0o755 },
  );
  return {
    env: { HOME: home, USER: 'labtester', LOGNAME: 'labtester', PATH: `${path.join(home, 'bin')}:${process.env.PATH}` },
    remove: () => rmSync(home, { recursive: true, force: true }),
  };
}
