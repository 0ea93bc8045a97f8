/**
 * A private gcloud configuration directory that points the real gcloud at an emulator: the
 * endpoint overrides, a dummy access token, the project, and no prompts, metrics, survey or
 * update check. The user's own configuration (~/.config/gcloud) is never read or written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { COMPUTE_ROOT, IAM_ROOT, RESOURCE_MANAGER_ROOT, SERVICE_USAGE_ROOT } from './server.js';

export interface GcloudSetup {
  project: string;
  region: string;
  zone: string;
}

export const DEFAULT_SETUP: GcloudSetup = { project: 'lab-emulator', region: 'us-central1', zone: 'us-central1-a' };

/** Writes the configuration under `dir` and returns the environment that selects it. */
export function writeGcloudConfig(dir: string, url: string, setup: GcloudSetup = DEFAULT_SETUP): Record<string, string> {
  const configDir = path.join(dir, 'gcloud');
  fs.mkdirSync(path.join(configDir, 'configurations'), { recursive: true, mode: 0o700 });
  const tokenFile = path.join(dir, 'access-token');
  fs.writeFileSync(tokenFile, 'lab-emulator-token\n', { mode: 0o600 });
  fs.writeFileSync(path.join(configDir, 'active_config'), 'emulator');
  fs.writeFileSync(
    path.join(configDir, 'configurations', 'config_emulator'),
    [
      '[core]',
      `project = ${setup.project}`,
      'account = lab-emulator@localhost',
      'disable_prompts = True',
      'disable_usage_reporting = True',
      // Not on GCE: no metadata-server probe on each start (0.7 s here).
      'check_gce_metadata = False',
      '[auth]',
      `access_token_file = ${tokenFile}`,
      '[compute]',
      `region = ${setup.region}`,
      `zone = ${setup.zone}`,
      '[component_manager]',
      'disable_update_check = True',
      '[survey]',
      'disable_prompts = True',
      '[api_endpoint_overrides]',
      `compute = ${url}${COMPUTE_ROOT}`,
      `serviceusage = ${url}${SERVICE_USAGE_ROOT}`,
      `iam = ${url}${IAM_ROOT}`,
      `cloudresourcemanager = ${url}${RESOURCE_MANAGER_ROOT}`,
      '',
    ].join('\n'),
  );
  return { CLOUDSDK_CONFIG: configDir, CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE: `${url}${COMPUTE_ROOT}` };
}

/** `export NAME='value'` lines for a POSIX shell. */
export function exportLines(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([name, value]) => `export ${name}='${value.replace(/'/g, `'\\''`)}'\n`)
    .join('');
}
