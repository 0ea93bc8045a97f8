/**
 * The real gcloud against the emulator: it parses what the emulator answers, polls its
 * operations, sends batches when one command acts on several resources, and prints GCE's own
 * messages for its errors. gcloud starts slowly (a second or more), so each call here counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulatedCloud, type EmulatedCloud } from '../helpers/emulator.js';

let cloud: EmulatedCloud;
const requests: string[] = [];

beforeAll(async () => {
  cloud = await startEmulatedCloud({ onRequest: (method, url, status) => requests.push(`${status} ${method} ${url.split('?')[0]}`) });
}, 30_000);
afterAll(() => cloud?.close());

const INSTANCE_FLAGS = [
  '--zone',
  'us-central1-a',
  '--machine-type',
  'e2-standard-2',
  '--image-family',
  'debian-13',
  '--image-project',
  'debian-cloud',
  '--subnet',
  't-subnet',
  '--labels',
  'lab=t',
];

describe('the real gcloud against the emulator', () => {
  it('creates a network, and refuses a second one of that name with 409 alreadyExists', async () => {
    const created = await cloud.gcloud(['compute', 'networks', 'create', 't-net', '--subnet-mode', 'custom']);
    expect(created.exitCode, created.stderr).toBe(0);
    expect(created.stderr).toContain('/global/networks/t-net].');
    const again = await cloud.gcloud(['compute', 'networks', 'create', 't-net', '--subnet-mode', 'custom']);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain("The resource 'projects/lab-emulator/global/networks/t-net' already exists");
  }, 60_000);

  it('answers 404 for a subnet in a network that does not exist, then makes it in the one that does', async () => {
    const missing = await cloud.gcloud([
      'compute',
      'networks',
      'subnets',
      'create',
      't-subnet',
      '--network',
      'nope',
      '--region',
      'us-central1',
      '--range',
      '10.240.0.0/24',
    ]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain("The resource 'projects/lab-emulator/global/networks/nope' was not found");
    const made = await cloud.gcloud([
      'compute',
      'networks',
      'subnets',
      'create',
      't-subnet',
      '--network',
      't-net',
      '--region',
      'us-central1',
      '--range',
      '10.240.0.0/24',
    ]);
    expect(made.exitCode, made.stderr).toBe(0);
  }, 60_000);

  it('creates two instances in one command as one batch request, with addresses from the subnet and loopback natIPs', async () => {
    const made = await cloud.gcloud(['compute', 'instances', 'create', 't-a', 't-b', ...INSTANCE_FLAGS]);
    expect(made.exitCode, made.stderr).toBe(0);
    expect(requests).toContain('200 POST /batch/compute/v1');
    const listed = await cloud.gcloud([
      'compute',
      'instances',
      'list',
      '--filter',
      'labels.lab=t',
      '--sort-by',
      'name',
      '--format',
      'value(name,networkInterfaces[0].networkIP,networkInterfaces[0].accessConfigs[0].natIP,status)',
    ]);
    expect(listed.stdout).toMatch(/^t-a\t10\.240\.0\.2\t127\.2\.\d+\.\d+\tRUNNING\nt-b\t10\.240\.0\.3\t127\.2\.\d+\.\d+\tRUNNING$/);
  }, 90_000);

  it('refuses to delete a network that instances and a subnet use (400 resourceInUseByAnotherResource)', async () => {
    const refused = await cloud.gcloud(['compute', 'networks', 'delete', 't-net', '--quiet']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain(
      "The network resource 'projects/lab-emulator/global/networks/t-net' is already being used by 'projects/lab-emulator/regions/us-central1/subnetworks/t-subnet'",
    );
  }, 60_000);

  it('filters on the server with the regular expression gcloud sends, and pages through long lists', async () => {
    const filtered = await cloud.gcloud([
      'compute',
      'instances',
      'list',
      '--zones',
      'us-central1-a',
      '--filter',
      'name ~ -b$',
      '--page-size',
      '1',
      '--format',
      'value(name)',
    ]);
    expect(filtered.stdout).toBe('t-b');
    expect(requests.some((line) => line.startsWith('200 GET /compute/v1/projects/lab-emulator/zones/us-central1-a/instances'))).toBe(true);
  }, 60_000);

  it('deletes both instances in one command, their boot disks with them', async () => {
    const deleted = await cloud.gcloud(['compute', 'instances', 'delete', 't-a', 't-b', '--zone', 'us-central1-a', '--quiet']);
    expect(deleted.exitCode, deleted.stderr).toBe(0);
    expect(
      cloud.emulator.api
        .resourcesOf('lab-emulator')
        .map((resource) => resource.name)
        .sort(),
    ).toEqual(['t-net', 't-subnet']);
  }, 60_000);

  it('creates a service account and binds it a project role, and refuses a binding for an account that does not exist', async () => {
    const made = await cloud.gcloud(['iam', 'service-accounts', 'create', 't-nodes', '--display-name', 'Nodes']);
    expect(made.exitCode, made.stderr).toBe(0);
    const missing = await cloud.gcloud([
      'projects',
      'add-iam-policy-binding',
      'lab-emulator',
      '--member',
      'serviceAccount:t-none@lab-emulator.iam.gserviceaccount.com',
      '--role',
      'roles/compute.viewer',
      '--condition',
      'None',
      '--format',
      'none',
    ]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('Service account t-none@lab-emulator.iam.gserviceaccount.com does not exist.');
    const bound = await cloud.gcloud([
      'projects',
      'add-iam-policy-binding',
      'lab-emulator',
      '--member',
      'serviceAccount:t-nodes@lab-emulator.iam.gserviceaccount.com',
      '--role',
      'roles/compute.viewer',
      '--condition',
      'None',
      '--format',
      'value(bindings.role)',
    ]);
    expect(bound.exitCode, bound.stderr).toBe(0);
    expect(bound.stdout).toContain('roles/compute.viewer');
  }, 120_000);
});
