/**
 * Reaches every host a run needs: the workstation through its bash session, the book's hosts
 * through an inventory (GCE, or a hosts file) and a transport (OpenSSH, or gcloud compute ssh).
 */
import { runTool } from './run-tool.js';
import type { Book } from '../book/types.js';
import { WORKSTATION } from '../book/types.js';
import type { StateStore } from '../state/state-store.js';
import { createGceInventory, type GceSettings } from './inventories/gce.js';
import type { HostAddress, Inventory } from './inventories/inventory.js';
import { couldNotRun, type Transport } from './transport.js';
import { createGcloudSshTransport, gcloudSshArgs } from './transports/gcloud-ssh.js';
import { createLocalTransport } from './transports/local.js';
import { createOpenSshTransport } from './transports/openssh.js';

/**
 * How the hosts are reached: OpenSSH (the default) or `gcloud compute ssh` (optionally through
 * IAP), to GCE instances or to the hosts of an inventory file. Only combinations that work can be
 * written down; the CLI turns its flags into one of these.
 */
export type HostAccess = { ssh: 'openssh'; inventory?: string } | { ssh: 'gcloud'; iap: boolean };

export interface ConnectOptions {
  access: HostAccess;
  book: Book;
  store: StateStore;
  /** Set when the run uses GCE (the preflight passed). */
  gce?: GceSettings;
}

export interface Connections {
  transportFor(host: string): Transport;
  close(): Promise<void>;
}

/**
 * `hosts`: the book hosts the plan runs steps on; connections to them may start at once. A hosts
 * file is read here, so a broken one stops the run (exit 2) before anything runs.
 */
export async function connectHosts(options: ConnectOptions, hosts: readonly string[]): Promise<Connections> {
  const local = createLocalTransport({ cwd: options.store.workDir });
  const inventory = await openInventory(options);
  const remote = inventory ? createRemoteTransport(options, inventory) : undefined;
  if (remote && hosts.length > 0) remote.connect?.(hosts);
  return {
    transportFor: (host) => (host === WORKSTATION ? local : (remote ?? NO_INVENTORY)),
    async close() {
      await Promise.all([local.close(), remote?.close()]);
    },
  };
}

async function openInventory(options: ConnectOptions): Promise<Inventory | undefined> {
  // Loaded only for --inventory: its YAML validation is no cost of a plain run.
  if (options.access.ssh === 'openssh' && options.access.inventory)
    return (await import('./inventories/hosts-file.js')).readHostsFile(options.access.inventory, options.book.hosts);
  return options.gce ? createGceInventory(options.gce) : undefined;
}

/** For a host step in a run that had no reason to set up GCE (a diagnostic on hosts, say). */
const NO_INVENTORY: Transport = {
  async run(request) {
    return couldNotRun(
      `${request.host} cannot be reached: this run checked no GCE project; pass --inventory FILE.yaml, or run a chapter with steps on the hosts`,
    );
  },
  async close() {},
};

function createRemoteTransport(options: ConnectOptions, inventory: Inventory): Transport {
  const { access, store, gce } = options;
  if (access.ssh === 'gcloud') return createGcloudSshTransport({ inventory, iap: access.iap });
  return createOpenSshTransport({ inventory, stateDir: store.dir, ...(gce ? { prepare: prepareGceKeys() } : {}) });
}

/**
 * One `gcloud compute ssh` before the first OpenSSH connection: it creates
 * ~/.ssh/google_compute_engine if needed and puts its public key in the project's metadata.
 */
function prepareGceKeys(): (address: HostAddress) => Promise<void> {
  let prepared: Promise<void> | undefined;
  return (address) =>
    (prepared ??= (async () => {
      const { name, zone, project } = address.instance!;
      const args = [...gcloudSshArgs(name, zone, project, false, false).slice(0, -2), '--command', 'true'];
      const result = await runTool('gcloud', args, { stdin: 'ignore', timeout: 180_000 });
      if (result.exitCode !== 0) {
        prepared = undefined;
        throw new Error(`gcloud ${args.join(' ')} failed: ${result.stderr.trim()}`);
      }
    })());
}
