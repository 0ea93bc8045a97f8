/**
 * `--ssh=gcloud`: the same remote scripts through `gcloud compute ssh`, for readers who only have
 * gcloud's own SSH set-up (or need `--tunnel-through-iap`). Slower than OpenSSH (gcloud starts for
 * every step), so it is the fallback, not the default. The first call runs alone: parallel first
 * calls race to create the key and to write it into project metadata.
 */
import type { Inventory } from '../inventories/inventory.js';
import type { ScriptRequest, Transport } from '../transport.js';
import { DEFAULT_RETRY_DELAYS_MS } from './openssh.js';
import { remoteCommand, runRemoteScript, retryUntilStarted, type RemoteAttempt } from './remote-script.js';

export interface GcloudSshOptions {
  inventory: Inventory;
  iap: boolean;
  retryDelaysMs?: readonly number[];
}

/** gcloud's own failures (auth, API, instance not found) start like this on stderr. */
const GCLOUD_ERROR = 'ERROR: (gcloud.compute.ssh)';

export function gcloudSshArgs(name: string, zone: string, project: string, root: boolean, iap: boolean): string[] {
  return [
    'compute',
    'ssh',
    name,
    '--zone',
    zone,
    '--project',
    project,
    '--quiet',
    '--command',
    remoteCommand(root),
    ...(iap ? ['--tunnel-through-iap'] : []),
  ];
}

export function createGcloudSshTransport(options: GcloudSshOptions): Transport {
  let first: Promise<unknown> | undefined;
  const attempt = async (request: ScriptRequest): Promise<RemoteAttempt> => {
    const address = await options.inventory.resolve(request.host);
    if (!address.instance) throw new Error(`${request.host} is not a GCE instance; --ssh gcloud works with the gce inventory only`);
    const { name, zone, project } = address.instance;
    const result = await runRemoteScript('gcloud', gcloudSshArgs(name, zone, project, request.root, options.iap), request);
    if (!result.started && result.stderr.includes(GCLOUD_ERROR)) {
      return { ...result, stderr: `gcloud could not reach ${request.host} (instance ${name}):\n${result.stderr}` };
    }
    return result;
  };
  return {
    run(request) {
      return retryUntilStarted(request, options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS, () => {
        // The very first call goes alone; the rest wait for it, then run side by side.
        const call = first ? first.then(() => attempt(request)) : attempt(request);
        first ??= call.catch(() => undefined);
        return call;
      });
    },
    async close() {},
  };
}
