/**
 * An emulator with instances as real hosts and the gcloud configuration that points at it: what
 * `lab emulator` runs in the foreground and `lab rehearse` starts for itself.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_SETUP, writeGcloudConfig, type GcloudSetup } from './gcloud-config.js';
import { createInstanceHosts, ensureRootfs, type InstanceHosts } from './hosts.js';
import { startEmulator, type Emulator } from './server.js';

export interface RunningEmulator {
  emulator: Emulator;
  setup: GcloudSetup;
  /** CLOUDSDK_CONFIG and the compute endpoint: what a shell exports to use it. */
  env: Record<string, string>;
  /** Undefined when instances cannot be hosts here (not root); `whyNoHosts` says why. */
  hosts?: InstanceHosts;
  whyNoHosts?: string;
  close(): Promise<void>;
}

export interface RunEmulatorOptions {
  stateFile?: string;
  /** Where the image is cached (default /var/cache/lab-emulator, or $LAB_EMULATOR_CACHE). */
  cacheDir?: string;
  log?: (line: string) => void;
}

export async function runEmulator(options: RunEmulatorOptions = {}): Promise<RunningEmulator> {
  const log = options.log ?? (() => {});
  const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-emulator-gcloud-'));
  const runDir = options.stateFile
    ? `${path.resolve(options.stateFile)}.hosts`
    : fs.mkdtempSync(path.join(os.tmpdir(), 'lab-emulator-hosts-'));
  let hosts: InstanceHosts | undefined;
  let whyNoHosts: string | undefined;
  if (process.getuid?.() !== 0) {
    whyNoHosts = 'instances are not hosts: their namespaces and mounts need root';
  } else {
    try {
      const rootfs = ensureRootfs(options.cacheDir ?? process.env.LAB_EMULATOR_CACHE ?? undefined, log);
      hosts = createInstanceHosts({ runDir, rootfs, log });
    } catch (error) {
      whyNoHosts = `instances are not hosts: ${(error as Error).message}`;
    }
  }
  let emulator: Emulator;
  try {
    emulator = await startEmulator({ ...(options.stateFile ? { stateFile: options.stateFile } : {}), ...(hosts ? { hooks: hosts } : {}) });
  } catch (error) {
    fs.rmSync(configDir, { recursive: true, force: true });
    throw error;
  }
  // Instances a state file kept running get their hosts back.
  for (const { instance, sshKeys } of emulator.api.runningInstances()) hosts?.started(instance, sshKeys);
  const env = writeGcloudConfig(configDir, emulator.url, DEFAULT_SETUP);
  return {
    emulator,
    setup: DEFAULT_SETUP,
    env,
    ...(hosts ? { hosts } : {}),
    ...(whyNoHosts ? { whyNoHosts } : {}),
    async close() {
      await hosts?.close();
      await emulator.close();
      fs.rmSync(configDir, { recursive: true, force: true });
      if (!options.stateFile) fs.rmSync(runDir, { recursive: true, force: true });
    },
  };
}
