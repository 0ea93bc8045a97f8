/**
 * The `gce` inventory, the book's default: one `gcloud compute instances list` call maps each
 * book host to its instance (`<prefix>-<host>`) and addresses. The list is made when the first
 * step on a host runs, because the book creates its instances in an early chapter of the same run.
 */
import os from 'node:os';
import path from 'node:path';
import { runTool } from '../run-tool.js';
import type { Book } from '../../book/types.js';
import { isOnPath, PreflightError } from '../preflight.js';
import type { Variables } from '../variables.js';
import { InventoryError, type HostAddress, type Inventory } from './inventory.js';

export interface GceSettings {
  project: string;
  zone: string;
  /** Instance names are `<prefix>-<host>`; empty means the host name itself. */
  prefix: string;
  /** The local user gcloud puts in instance metadata, and its key. */
  user: string;
  identity: string;
}

/** The parts of `gcloud compute instances list --format=json` the runner reads. */
interface Instance {
  id: string;
  name: string;
  status: string;
  zone: string;
  networkInterfaces?: { networkIP?: string; accessConfigs?: { natIP?: string }[] }[];
}

/**
 * gcloud is a Python program: `config list` takes 0.8-3 s on a busy machine. The bound only
 * catches a gcloud that hangs; a slow one must never fail a run.
 */
const GCLOUD_CONFIG_TIMEOUT_MS = 30_000;

/**
 * gcloud installed, an active account, a project and a zone; otherwise a PreflightError (exit 3)
 * with the exact commands that fix it.
 */
export async function preflightGce(book: Book, variables: Variables): Promise<GceSettings> {
  if (!isOnPath('gcloud')) {
    throw new PreflightError(
      [
        'gcloud is not installed (not found on PATH). Install the Google Cloud CLI, then log in:',
        '  https://cloud.google.com/sdk/docs/install',
        '  gcloud init',
      ].join('\n'),
    );
  }
  const result = await runTool('gcloud', ['config', 'list', '--format=json'], {
    timeout: GCLOUD_CONFIG_TIMEOUT_MS,
    stdin: 'ignore',
  });
  let config: { core?: { account?: string; project?: string }; compute?: { zone?: string } } = {};
  try {
    config = JSON.parse(result.stdout || '{}');
  } catch {
    // Treated as nothing configured; the messages below say what to set.
  }
  if (result.timedOut) {
    throw new PreflightError(
      `\`gcloud config list\` did not answer within ${GCLOUD_CONFIG_TIMEOUT_MS / 1000}s (it hung; this says nothing about your login); check that gcloud works: gcloud info`,
    );
  }
  const fromVariable = (name: string) => variables.values.get(name) || undefined;
  const account = config.core?.account;
  const project = fromVariable(book.gce.project) ?? config.core?.project;
  const zone = fromVariable(book.gce.zone) ?? config.compute?.zone;
  const fixes: string[] = [];
  if (!account) {
    fixes.push('No active gcloud account. Log in (in CI, authenticate a service account instead):', '  gcloud auth login');
  }
  if (!project) {
    fixes.push(
      `No project. Set the project the lab may use (or export ${book.gce.project}=YOUR_PROJECT_ID):`,
      '  gcloud config set project YOUR_PROJECT_ID',
    );
  }
  if (!zone) {
    fixes.push(
      `No zone. Set the zone for the lab's instances (or export ${book.gce.zone}=ZONE):`,
      '  gcloud config set compute/zone us-central1-a',
    );
  }
  if (fixes.length > 0) throw new PreflightError(`The steps need Google Cloud, and gcloud is not ready:\n${fixes.join('\n')}`);
  return {
    project: project!,
    zone: zone!,
    prefix: fromVariable(book.gce.prefix) ?? '',
    user: os.userInfo().username,
    identity: path.join(os.homedir(), '.ssh', 'google_compute_engine'),
  };
}

export function instanceName(settings: GceSettings, host: string): string {
  return settings.prefix ? `${settings.prefix}-${host}` : host;
}

export function createGceInventory(settings: GceSettings): Inventory {
  let listing: Promise<Map<string, Instance>> | undefined;
  const list = () =>
    (listing ??= listInstances(settings).catch((error) => {
      listing = undefined;
      throw error;
    }));
  return {
    describe: () => `GCE project ${settings.project}, zone ${settings.zone}`,
    // The book creates its instances in an early chapter of the same run.
    knownUpFront: false,
    async resolve(host): Promise<HostAddress> {
      const name = instanceName(settings, host);
      let instance = (await list()).get(name);
      if (!instance) {
        // Instances made since the last list (by an earlier chapter of this run) are found anew.
        listing = undefined;
        instance = (await list()).get(name);
      }
      if (!instance) {
        throw new InventoryError(
          `${host} has no instance named ${name} in project ${settings.project}, zone ${settings.zone}; the chapter that creates the instances has not run, or ${settings.prefix ? `the prefix is not ${settings.prefix}` : 'it used another name'}`,
        );
      }
      if (instance.status !== 'RUNNING') {
        throw new InventoryError(
          `Instance ${name} (${host}) is ${instance.status}, not RUNNING; start it: gcloud compute instances start ${name} --zone ${settings.zone} --project ${settings.project}`,
        );
      }
      const network = instance.networkInterfaces?.[0];
      const address = network?.accessConfigs?.[0]?.natIP ?? network?.networkIP;
      if (!address) throw new InventoryError(`Instance ${name} (${host}) has no IP address yet`);
      return {
        host,
        address,
        user: settings.user,
        identity: settings.identity,
        instance: { name, id: instance.id, zone: settings.zone, project: settings.project },
      };
    },
  };
}

export function listInstancesArgs(settings: GceSettings): string[] {
  // Quoted: in a gcloud filter an unquoted regex ends at the first parenthesis or space.
  const filter = settings.prefix ? `name ~ '^${settings.prefix}-'` : '';
  return [
    'compute',
    'instances',
    'list',
    '--project',
    settings.project,
    '--zones',
    settings.zone,
    ...(filter ? ['--filter', filter] : []),
    '--format',
    'json',
  ];
}

async function listInstances(settings: GceSettings): Promise<Map<string, Instance>> {
  const result = await runTool('gcloud', listInstancesArgs(settings), { timeout: 120_000, stdin: 'ignore' });
  if (result.exitCode !== 0) {
    throw new InventoryError(
      `Could not list the instances (gcloud ${listInstancesArgs(settings).join(' ')}): ${result.stderr.trim() || `exit status ${result.exitCode}`}`,
    );
  }
  let instances: Instance[];
  try {
    instances = JSON.parse(result.stdout || '[]') as Instance[];
  } catch (error) {
    throw new InventoryError(`gcloud compute instances list printed something that is not JSON: ${(error as Error).message}`);
  }
  return new Map(instances.map((instance) => [instance.name, instance]));
}
