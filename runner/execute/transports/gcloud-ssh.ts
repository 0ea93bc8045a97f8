/**
 * `--ssh=gcloud`: the same remote scripts through `gcloud compute ssh`, for readers who only have
 * gcloud's own SSH set-up (or need `--tunnel-through-iap`). Slower than OpenSSH (gcloud starts for
 * every step), so it is the fallback, not the default. The first call runs alone: parallel first
 * calls race to create the key and to write it into project metadata.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Inventory } from '../inventories/inventory.js';
import { spawnTree } from '../spawn-tree.js';
import type { ScriptRequest, ScriptResult, Transport } from '../transport.js';
import { DEFAULT_RETRY_DELAYS_MS } from './openssh.js';
import { readRemoteOutcome, remoteCommand, stripMarkers, wrapRemoteScript } from './remote-script.js';

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
  const runOnce = async (request: ScriptRequest): Promise<ScriptResult & { started: boolean }> => {
    const address = await options.inventory.resolve(request.host);
    if (!address.instance) throw new Error(`${request.host} is not a GCE instance; --ssh gcloud works with the gce inventory only`);
    const { name, zone, project } = address.instance;
    const result = await spawnTree('gcloud', gcloudSshArgs(name, zone, project, request.root, options.iap), {
      input: wrapRemoteScript(request.script, request.env),
      keepStdinOpen: true,
      timeoutMs: request.timeoutMs,
      signal: request.signal,
      ...(request.onOutput
        ? {
            onOutput: (stream: 'stdout' | 'stderr', text: string) =>
              request.onOutput!(stream, stream === 'stderr' ? stripMarkers(text) : text),
          }
        : {}),
    });
    const outcome = readRemoteOutcome(result.exitCode, result.stderr);
    const lost = !outcome.finished && result.exitCode === 255 && !result.timedOut && !result.interrupted;
    const gcloudFailed = !outcome.started && outcome.stderr.includes(GCLOUD_ERROR);
    return {
      exitCode: outcome.exitCode,
      stdout: result.stdout,
      stderr: gcloudFailed ? `gcloud could not reach ${request.host} (instance ${name}):\n${outcome.stderr}` : outcome.stderr,
      timedOut: result.timedOut,
      interrupted: result.interrupted,
      connectionLost: lost,
      started: outcome.started,
    };
  };

  return {
    async run(request) {
      const delays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
      for (let attempt = 0; ; attempt++) {
        // The very first call goes alone; the rest wait for it, then run side by side.
        const call = first ? first.then(() => runOnce(request)) : runOnce(request);
        first ??= call.catch(() => undefined);
        const { started, ...result } = await call;
        if (!result.connectionLost || started || attempt >= delays.length || request.signal.aborted) return result;
        try {
          await sleep(delays[attempt]!, undefined, { signal: request.signal });
        } catch {
          return { ...result, interrupted: true };
        }
      }
    },
    async close() {},
  };
}
