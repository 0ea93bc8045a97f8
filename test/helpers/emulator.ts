/**
 * A Compute Engine emulator in the test's process and the real gcloud pointed at it through a
 * private configuration directory. Where gcloud is not installed the tests fail, loudly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { writeGcloudConfig, type GcloudSetup, DEFAULT_SETUP } from '../../runner/emulator/gcloud-config.js';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../runner/emulator/server.js';
import { findOnPath } from '../../runner/execute/preflight.js';

export interface GcloudResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface EmulatedCloud {
  emulator: Emulator;
  dir: string;
  setup: GcloudSetup;
  /** The environment that points gcloud (and the runner's gcloud calls) at the emulator. */
  env: Record<string, string>;
  gcloud(args: string[]): Promise<GcloudResult>;
  close(): Promise<void>;
}

export function requireGcloud(): string {
  const gcloud = findOnPath('gcloud');
  if (!gcloud) {
    throw new Error(
      'gcloud is not installed (not on PATH): these tests drive the real gcloud against the emulator; install the Google Cloud SDK',
    );
  }
  return gcloud;
}

export async function startEmulatedCloud(options: EmulatorOptions = {}): Promise<EmulatedCloud> {
  requireGcloud();
  const dir = mkdtempSync(path.join(tmpdir(), 'lab-emulator-test-'));
  const emulator = await startEmulator(options);
  const env = writeGcloudConfig(dir, emulator.url, DEFAULT_SETUP);
  return {
    emulator,
    dir,
    setup: DEFAULT_SETUP,
    env,
    async gcloud(args) {
      const result = await execa('gcloud', args, { env, extendEnv: true, reject: false, stdin: 'ignore' });
      return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
    },
    async close() {
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
