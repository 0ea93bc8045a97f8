/**
 * `lab janitor` against a fake gcloud that serves resource lists and records deletions; every call
 * is checked against the real gcloud's command tree. (The janitor's logic of what belongs to a lab
 * is tested in-process in test/janitor/; these tests move to the Compute Engine emulator once it
 * is merged.)
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkGcloudArgs, loadGcloudTree } from '../../runner/lint/gcloud-tree.js';
import { createWorkspace, PROJECT_ROOT } from '../helpers/lab.js';

const OLD = '2026-01-01T00:00:00.000-08:00';
const NEW = new Date().toISOString();
const zone = 'https://www.googleapis.com/compute/v1/projects/p/zones/europe-west1-b';
const region = 'https://www.googleapis.com/compute/v1/projects/p/regions/europe-west1';

const temporary: string[] = [];
afterEach(() => {
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function janitorWorkspace(resources: Record<string, object[] | object>) {
  const workspace = createWorkspace('fleet');
  const dir = path.join(workspace.dir, 'resources');
  mkdirSync(dir);
  for (const [kind, items] of Object.entries(resources)) writeFileSync(path.join(dir, `${kind}.json`), JSON.stringify(items));
  const config = path.join(workspace.dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({ core: { account: 'ci@example.com', project: 'lab-project' }, compute: { zone: 'europe-west1-b' } }),
  );
  const logDir = mkdtempSync(path.join(tmpdir(), 'lab-janitor-'));
  temporary.push(workspace.dir, logDir);
  const log = path.join(logDir, 'calls.jsonl');
  const env = {
    PATH: `${path.join(PROJECT_ROOT, 'test/fixtures/fake-gcloud')}:${process.env.PATH}`,
    FAKE_GCLOUD_LOG: log,
    FAKE_GCLOUD_CONFIG: config,
    FAKE_GCLOUD_RESOURCES: dir,
  };
  const calls = () =>
    readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { args: string[] }).args);
  return { workspace, env, calls };
}

const LEFTOVERS = {
  instances: [
    { name: 'fleet-worker-0', creationTimestamp: OLD, zone, labels: { lab: 'fleet' } },
    { name: 'fleet-worker-1', creationTimestamp: NEW, zone, labels: { lab: 'fleet' } },
  ],
  'forwarding-rules': [{ name: 'fleet-api', creationTimestamp: OLD, region }],
  'backend-services': [{ name: 'fleet-api', creationTimestamp: OLD, region }],
  'instance-groups-unmanaged': [{ name: 'fleet-controllers', creationTimestamp: OLD, zone }],
  'health-checks': [{ name: 'fleet-api', creationTimestamp: OLD, region }],
  addresses: [{ name: 'fleet-api', creationTimestamp: OLD, region }],
  disks: [{ name: 'pvc-1234', creationTimestamp: OLD, zone, labels: { lab: 'fleet' } }],
  'firewall-rules': [
    { name: 'fleet-allow-internal', creationTimestamp: OLD },
    // Another lab's and an unrelated rule: never the fleet's, whatever their names start with.
    { name: 'fleet-2-allow-internal', creationTimestamp: OLD },
    { name: 'fleetwood-allow-internal', creationTimestamp: OLD },
  ],
  'networks-subnets': [{ name: 'fleet-subnet', creationTimestamp: OLD, region }],
  networks: [
    { name: 'fleet-net', creationTimestamp: OLD },
    { name: 'fleet-2-net', creationTimestamp: OLD },
  ],
};

describe('lab janitor', () => {
  it('lists what it would delete, older than the cutoff, and deletes nothing without --yes', async () => {
    const { workspace, env, calls } = janitorWorkspace(LEFTOVERS);
    const result = await workspace.lab(['janitor', '--older-than', '6h'], env);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Resources of the lab (prefix fleet) in project lab-project older than 6h:');
    expect(result.stdout).toContain('fleet-worker-0');
    expect(result.stdout).not.toContain('fleet-worker-1');
    expect(result.stdout).toContain(
      'Nothing was deleted. Run `lab janitor --prefix fleet --older-than 6h --yes` to delete these 10 resources.',
    );
    expect(calls().filter((args) => args.includes('delete'))).toEqual([]);
  });

  it('deletes in dependency order with --yes', async () => {
    const { workspace, env, calls } = janitorWorkspace(LEFTOVERS);
    const result = await workspace.lab(['janitor', '--yes'], env);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Deleted 10 resources.');
    const deletions = calls()
      .filter((args) => args.includes('delete'))
      .map((args) => args.join(' '));
    expect(deletions).toEqual([
      'compute instances delete fleet-worker-0 --project lab-project --zone europe-west1-b --quiet',
      'compute forwarding-rules delete fleet-api --project lab-project --region europe-west1 --quiet',
      'compute backend-services delete fleet-api --project lab-project --region europe-west1 --quiet',
      'compute instance-groups unmanaged delete fleet-controllers --project lab-project --zone europe-west1-b --quiet',
      'compute health-checks delete fleet-api --project lab-project --region europe-west1 --quiet',
      'compute addresses delete fleet-api --project lab-project --region europe-west1 --quiet',
      'compute disks delete pvc-1234 --project lab-project --zone europe-west1-b --quiet',
      'compute firewall-rules delete fleet-allow-internal --project lab-project --quiet',
      'compute networks subnets delete fleet-subnet --project lab-project --region europe-west1 --quiet',
      'compute networks delete fleet-net --project lab-project --quiet',
    ]);
  });

  it("lists labelled instances and disks, and every resource of the other kinds once, deciding itself what is the lab's", async () => {
    const { workspace, env, calls } = janitorWorkspace({});
    const result = await workspace.lab(['janitor'], env);
    expect(result.stdout).toContain('none found.');
    const lists = calls()
      .filter((args) => args.includes('list'))
      .map((args) => args.join(' '));
    expect(lists).toContain('compute instances list --project lab-project --filter labels.lab:* --format json');
    expect(lists).toContain('compute firewall-rules list --project lab-project --format json');
    expect(lists.filter((line) => /^(compute|iam) /.test(line))).toHaveLength(14);
  });

  it('keeps going when a list fails, says which, deletes the rest and exits 1', async () => {
    // Before: the first failed list threw, and nothing at all was deleted.
    const { workspace, env, calls } = janitorWorkspace(LEFTOVERS);
    writeFileSync(path.join(workspace.dir, 'resources', 'target-pools.json'), '<html>quota exceeded</html>');
    const result = await workspace.lab(['janitor', '--yes'], env);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(
      'FAILED to list target-pools: gcloud compute target-pools list --project lab-project --format json printed what is not a JSON list',
    );
    expect(result.stdout).toContain('Deleted 10 resources. 1 lists failed: their kinds were not searched; run the janitor again.');
    expect(calls().filter((args) => args.includes('delete'))).toHaveLength(10);
  });

  it('takes resources of any age with --older-than 0s, as the nightly does for its own run', async () => {
    const { workspace, env } = janitorWorkspace(LEFTOVERS);
    const result = await workspace.lab(['janitor', '--older-than', '0s'], env);
    expect(result.stdout).toContain('Resources of the lab (prefix fleet) in project lab-project of any age:');
    expect(result.stdout).toContain('fleet-worker-1');
    expect(result.stdout).toContain('Run `lab janitor --prefix fleet --older-than 0s --yes` to delete these 11 resources.');
  });

  it('takes a family of labs with NAME-*, and spells the command to delete them as the reader runs lab', async () => {
    const { workspace, env } = janitorWorkspace(LEFTOVERS);
    const result = await workspace.lab(['janitor', '--prefix', 'fleet-*'], { ...env, npm_lifecycle_event: 'lab' });
    expect(result.stdout).toContain('fleet-2-net');
    expect(result.stdout).toContain('fleet-2-allow-internal');
    expect(result.stdout).not.toMatch(/fleet-net|fleetwood/);
    expect(result.stdout).toContain("Run `npm run lab -- janitor --prefix 'fleet-*' --older-than 3h --yes` to delete these 2 resources.");
  });

  it('refuses a --prefix that is not a lab name, with exit 2 and nothing listed', async () => {
    const { workspace, env, calls } = janitorWorkspace(LEFTOVERS);
    const result = await workspace.lab(['janitor', '--prefix', 'fleet*'], env);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--prefix `fleet*` is not a lab name');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(calls().filter((args) => args.includes('list') && args[0] !== 'config')).toEqual([]);
  });

  it('reports a deletion that failed, goes on with the rest, and exits 1', async () => {
    const { workspace, env } = janitorWorkspace(LEFTOVERS);
    const result = await workspace.lab(['janitor', '--yes'], { ...env, FAKE_GCLOUD_REFUSE: 'fleet-net' });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(
      "FAILED  networks fleet-net: ERROR: (gcloud.compute.networks.delete) The resource 'fleet-net' is already being used",
    );
    expect(result.stdout).toContain('1 of 10 deletions failed');
  });

  const tree = loadGcloudTree();
  it.runIf(tree)('calls gcloud only with commands and flags the installed gcloud has', async () => {
    const { workspace, env, calls } = janitorWorkspace({
      ...LEFTOVERS,
      'health-checks': [{ name: 'fleet-api', creationTimestamp: OLD }],
      addresses: [{ name: 'fleet-api', creationTimestamp: OLD }],
      'target-pools': [
        {
          name: 'a0123',
          creationTimestamp: OLD,
          region,
          instances: [`${zone}/instances/fleet-worker-0`],
          healthChecks: ['https://www.googleapis.com/compute/v1/projects/p/global/httpHealthChecks/k8s-c0ffee-node'],
        },
      ],
      'http-health-checks': [{ name: 'k8s-c0ffee-node', creationTimestamp: OLD }],
      'service-accounts': [
        { name: 'projects/p/serviceAccounts/fleet-nodes@p.iam.gserviceaccount.com', email: 'fleet-nodes@p.iam.gserviceaccount.com' },
      ],
      roles: [{ name: 'projects/p/roles/fleet_disk_attacher' }],
      'iam-policy': {
        bindings: [
          { role: 'roles/compute.viewer', members: ['serviceAccount:fleet-nodes@p.iam.gserviceaccount.com', 'user:alice@example.com'] },
          { role: 'roles/compute.storageAdmin', members: ['deleted:serviceAccount:fleet-nodes@p.iam.gserviceaccount.com?uid=123'] },
          { role: 'roles/compute.storageAdmin', members: ['serviceAccount:fleet-2-nodes@p.iam.gserviceaccount.com'] },
        ],
      },
    });
    const result = await workspace.lab(['janitor', '--yes', '--older-than', '0s'], env);
    expect(result.stdout).toContain('deleted iam service-accounts fleet-nodes@p.iam.gserviceaccount.com');
    expect(result.stdout).toContain('deleted iam roles fleet_disk_attacher');
    const removals = calls()
      .filter((args) => args[1] === 'remove-iam-policy-binding')
      .map((args) => `${args[4]} ${args[6]}`);
    expect(removals).toEqual([
      'serviceAccount:fleet-nodes@p.iam.gserviceaccount.com roles/compute.viewer',
      'deleted:serviceAccount:fleet-nodes@p.iam.gserviceaccount.com?uid=123 roles/compute.storageAdmin',
    ]);
    const order = calls().map((args) => args.slice(0, 3).join(' '));
    expect(order.lastIndexOf('projects remove-iam-policy-binding lab-project')).toBeLessThan(order.indexOf('iam service-accounts delete'));
    expect(result.stdout).toContain('deleted http-health-checks k8s-c0ffee-node');
    for (const args of calls()) expect(checkGcloudArgs(tree!, args), args.join(' ')).toEqual([]);
  });
});
