/**
 * The gce inventory and the gcloud transport. The GCE API cannot be reached from here, so a fake
 * `gcloud` stands in for it; every call it receives is checked against the real gcloud's command
 * tree. The instances it lists are OpenSSH servers on loopback addresses, port 22.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkGcloudArgs, loadGcloudTree } from '../../runner/lint/gcloud-tree.js';
import { createWorkspace, PROJECT_ROOT, type Workspace } from '../helpers/lab.js';
import { startSshHosts, type SshHosts } from '../helpers/ssh-hosts.js';

const FAKE_GCLOUD_DIR = path.join(PROJECT_ROOT, 'test/fixtures/fake-gcloud');
const HOSTS = ['controller-0', 'worker-0', 'worker-1'];
let fleet: SshHosts;

beforeAll(async () => {
  fleet = await startSshHosts(HOSTS, { port: 22, firstAddress: 12 });
});
afterAll(() => fleet?.stopAll());

interface GcloudCall {
  args: string[];
  started: number;
  ended: number;
  code: number;
}

interface GceWorkspace extends Workspace {
  env: Record<string, string>;
  calls(): GcloudCall[];
}

/** A workspace whose PATH finds the fake gcloud, with a HOME holding gcloud's key. */
function gceWorkspace(
  config: object = { core: { account: 'lab@example.com', project: 'lab-project' }, compute: { zone: 'europe-west1-b' } },
): GceWorkspace {
  const workspace = createWorkspace('fleet');
  const home = mkdtempSync(path.join(tmpdir(), 'lab-home-'));
  mkdirSync(path.join(home, '.ssh'), { mode: 0o700 });
  copyFileSync(path.join(fleet.dir, 'client_key'), path.join(home, '.ssh', 'google_compute_engine'));
  const instances = fleet.hosts.map((host, index) => ({
    id: String(1000 + index),
    name: `fleet-${host.name}`,
    status: 'RUNNING',
    zone: 'https://www.googleapis.com/compute/v1/projects/lab-project/zones/europe-west1-b',
    networkInterfaces: [{ networkIP: `10.240.0.${10 + index}`, accessConfigs: [{ natIP: host.address }] }],
  }));
  writeFileSync(path.join(workspace.dir, 'instances.json'), JSON.stringify(instances));
  writeFileSync(path.join(workspace.dir, 'config.json'), JSON.stringify(config));
  const env = {
    HOME: home,
    PATH: `${FAKE_GCLOUD_DIR}:${process.env.PATH}`,
    FAKE_GCLOUD_LOG: path.join(workspace.dir, 'gcloud-calls.jsonl'),
    FAKE_GCLOUD_INSTANCES: path.join(workspace.dir, 'instances.json'),
    FAKE_GCLOUD_CONFIG: path.join(workspace.dir, 'config.json'),
  };
  return {
    ...workspace,
    env,
    lab: (args, extra) => workspace.lab(args, { ...env, ...extra }),
    calls: () =>
      readFileSync(env.FAKE_GCLOUD_LOG, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as GcloudCall),
  };
}

const tree = loadGcloudTree();

describe('the gce inventory over OpenSSH', () => {
  it('lists the instances once, makes one gcloud ssh call for the key, then uses OpenSSH', async () => {
    const workspace = gceWorkspace();
    const result = await workspace.lab(['run', '--all']);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const calls = workspace.calls().map((call) => call.args.join(' '));
    expect(calls).toEqual([
      'config list --format=json',
      "compute instances list --project lab-project --zones europe-west1-b --filter name ~ '^fleet-' --format json",
      'compute ssh fleet-controller-0 --zone europe-west1-b --project lab-project --quiet --command true',
    ]);
    expect(workspace.read('token-127.0.0.13').trim()).toBe('abcdef.0123456789abcdef');
  });

  it.runIf(tree)('calls gcloud only with commands and flags the installed gcloud has', async () => {
    const workspace = gceWorkspace();
    await workspace.lab(['run', 'chapter-1', '--ssh', 'gcloud', '--tunnel-through-iap']);
    await workspace.lab(['run', 'chapter-1', '--restart']);
    const calls = workspace.calls();
    expect(calls.length).toBeGreaterThan(5);
    for (const call of calls) expect(checkGcloudArgs(tree!, call.args), call.args.join(' ')).toEqual([]);
  });

  it('says which host has no instance, and why', async () => {
    const workspace = gceWorkspace();
    writeFileSync(workspace.env.FAKE_GCLOUD_INSTANCES!, '[]');
    const result = await workspace.lab(['run', 'chapter-1']);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(
      'controller-0: controller-0 has no instance named fleet-controller-0 in project lab-project, zone europe-west1-b; the chapter that creates the instances has not run, or the prefix is not fleet',
    );
  });
});

describe('--ssh gcloud', () => {
  it('runs every step through gcloud compute ssh, the first call alone', async () => {
    const workspace = gceWorkspace();
    const result = await workspace.lab(['run', '--all', '--ssh', 'gcloud']);
    expect(result.exitCode).toBe(0);
    const ssh = workspace.calls().filter((call) => call.args[1] === 'ssh');
    expect(ssh.map((call) => call.args.join(' '))).toContain(
      'compute ssh fleet-controller-0 --zone europe-west1-b --project lab-project --quiet --command sudo -n bash -s',
    );
    expect(ssh.map((call) => call.args.join(' '))).toContain(
      'compute ssh fleet-worker-1 --zone europe-west1-b --project lab-project --quiet --command bash -s',
    );
    const [first, ...rest] = ssh;
    for (const call of rest) expect(call.started).toBeGreaterThanOrEqual(first!.ended);
    expect(workspace.read('token-127.0.0.14').trim()).toBe('abcdef.0123456789abcdef');
  });

  it('adds --tunnel-through-iap when asked', async () => {
    const workspace = gceWorkspace();
    await workspace.lab(['run', 'chapter-1', '--ssh', 'gcloud', '--tunnel-through-iap']);
    expect(
      workspace
        .calls()
        .filter((call) => call.args[1] === 'ssh')
        .every((call) => call.args.at(-1) === '--tunnel-through-iap'),
    ).toBe(true);
  });
});

describe('the preflight', () => {
  it('exits 3 with the exact commands when gcloud has no account, project or zone', async () => {
    const workspace = gceWorkspace({});
    const result = await workspace.lab(['run', 'chapter-1']);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toBe(
      [
        'lab: preflight failed; nothing was run.',
        'The steps need Google Cloud, and gcloud is not ready:',
        'No active gcloud account. Log in (in CI, authenticate a service account instead):',
        '  gcloud auth login',
        'No project. Set the project the lab may use (or export PROJECT_ID=YOUR_PROJECT_ID):',
        '  gcloud config set project YOUR_PROJECT_ID',
        "No zone. Set the zone for the lab's instances (or export ZONE=ZONE):",
        '  gcloud config set compute/zone us-central1-a',
      ].join('\n'),
    );
  });

  it.runIf(tree)('says the same with the real gcloud and no credentials', async () => {
    const workspace = createWorkspace('fleet');
    const config = mkdtempSync(path.join(tmpdir(), 'lab-gcloud-config-'));
    const result = await workspace.lab(['run', 'chapter-1'], { CLOUDSDK_CONFIG: config });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('gcloud auth login');
    expect(result.stderr).toContain('gcloud config set project YOUR_PROJECT_ID');
  });

  it('takes the project and zone from the book variables before gcloud config', async () => {
    const workspace = gceWorkspace({ core: { account: 'lab@example.com' } });
    const result = await workspace.lab(['run', 'chapter-1'], { PROJECT_ID: 'lab-project', ZONE: 'europe-west1-b' });
    expect(result.exitCode).toBe(0);
  });
});
