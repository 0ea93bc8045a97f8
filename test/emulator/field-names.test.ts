/**
 * Every field the emulator sends exists in gcloud's own generated clients (compute v1 and
 * serviceusage v1 `*_messages.py` of the installed SDK), so gcloud reads every answer as it
 * reads GCE's. The answers come from a whole lab's life: create, use, list, fail, delete.
 */
import { AGGREGATED_COLLECTIONS } from '../../runner/emulator/list-leftovers.js';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Resource } from '../../runner/emulator/store.js';
import { startEmulator, type Emulator } from '../../runner/emulator/server.js';
import { computeMessages, findUnknownFields, SDK_APIS, serviceUsageMessages } from '../helpers/api-messages.js';

let emulator: Emulator;
const answers: { path: string; body: Record<string, unknown> }[] = [];

async function call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  answers.push({ path, body: answer });
  return answer;
}

beforeAll(async () => {
  if (!fs.existsSync(SDK_APIS))
    throw new Error(`gcloud's generated clients are not at ${SDK_APIS}: install the Google Cloud SDK (528.0.0)`);
  emulator = await startEmulator();
  const p = '/compute/v1/projects/p';
  const r = `${p}/regions/us-central1`;
  const z = `${p}/zones/us-central1-a`;
  await call('POST', '/serviceusage/v1/projects/p/services/compute.googleapis.com:enable', {});
  await call('GET', '/serviceusage/v1/projects/p/services?filter=state:ENABLED');
  await call('GET', '/serviceusage/v1/projects/p/services/compute.googleapis.com');
  await call('POST', `${p}/global/networks`, { name: 'l-net', autoCreateSubnetworks: false });
  await call('POST', `${r}/subnetworks`, { name: 'l-subnet', network: 'global/networks/l-net', ipCidrRange: '10.240.0.0/24' });
  await call('POST', `${p}/global/firewalls`, {
    name: 'l-fw',
    network: 'global/networks/l-net',
    allowed: [{ IPProtocol: 'tcp', ports: ['22'] }],
    sourceRanges: ['0.0.0.0/0'],
  });
  await call('POST', `${r}/addresses`, { name: 'l-api' });
  await call('POST', `${z}/instances`, {
    name: 'l-controller-0',
    machineType: 'zones/us-central1-a/machineTypes/e2-standard-2',
    disks: [
      {
        boot: true,
        autoDelete: true,
        initializeParams: { sourceImage: 'projects/debian-cloud/zones/-/imageFamilyViews/debian-13', diskSizeGb: '20' },
      },
    ],
    networkInterfaces: [
      { subnetwork: 'regions/us-central1/subnetworks/l-subnet', accessConfigs: [{ name: 'external-nat', type: 'ONE_TO_ONE_NAT' }] },
    ],
    labels: { lab: 'l', 'run-id': 'manual' },
    tags: { items: ['l'] },
    metadata: { items: [{ key: 'ssh-keys', value: 'u:ssh-ed25519 AAAA u' }] },
    serviceAccounts: [{ email: 'default', scopes: ['https://www.googleapis.com/auth/compute'] }],
    scheduling: { maxRunDuration: { seconds: '10800' }, instanceTerminationAction: 'DELETE', automaticRestart: true },
  });
  await call('POST', `${z}/disks`, { name: 'l-data', sizeGb: '10', labels: { lab: 'l' } });
  await call('POST', `${r}/healthChecks`, {
    name: 'l-api',
    type: 'HTTPS',
    httpsHealthCheck: { port: 6443, requestPath: '/readyz', portSpecification: 'USE_FIXED_PORT', proxyHeader: 'NONE' },
  });
  await call('POST', `${z}/instanceGroups`, { name: 'l-controllers' });
  await call('POST', `${z}/instanceGroups/l-controllers/addInstances`, {
    instances: [{ instance: 'zones/us-central1-a/instances/l-controller-0' }],
  });
  await call('POST', `${z}/instanceGroups/l-controllers/setNamedPorts`, { namedPorts: [{ name: 'api', port: 6443 }] });
  await call('POST', `${z}/instanceGroups/l-controllers/listInstances`, { instanceState: 'ALL' });
  await call('POST', `${r}/backendServices`, {
    name: 'l-api',
    loadBalancingScheme: 'EXTERNAL',
    protocol: 'TCP',
    healthChecks: ['regions/us-central1/healthChecks/l-api'],
  });
  const service = await call('GET', `${r}/backendServices/l-api`);
  await call('PUT', `${r}/backendServices/l-api`, {
    ...service,
    backends: [{ group: 'zones/us-central1-a/instanceGroups/l-controllers' }],
  });
  await call('POST', `${r}/backendServices/l-api/getHealth`, { group: 'zones/us-central1-a/instanceGroups/l-controllers' });
  await call('POST', `${r}/forwardingRules`, {
    name: 'l-api',
    IPAddress: 'regions/us-central1/addresses/l-api',
    IPProtocol: 'TCP',
    ports: ['6443'],
    loadBalancingScheme: 'EXTERNAL',
    backendService: 'regions/us-central1/backendServices/l-api',
  });
  await call('POST', `${r}/targetPools`, { name: 'l-pool' });
  const project = await call('GET', p);
  await call('POST', `${p}/setCommonInstanceMetadata`, {
    ...(project.commonInstanceMetadata as object),
    items: [{ key: 'ssh-keys', value: 'u:ssh-ed25519 AAAA u' }],
  });
  const instance = await call('GET', `${z}/instances/l-controller-0`);
  await call('POST', `${z}/instances/l-controller-0/setLabels`, { labels: { lab: 'l' }, labelFingerprint: instance.labelFingerprint });
  for (const collection of AGGREGATED_COLLECTIONS) {
    await call('GET', `${p}/aggregated/${collection}?includeAllScopes=True&returnPartialSuccess=True&maxResults=1`);
  }
  for (const list of [
    `${p}/global/networks`,
    `${p}/global/firewalls`,
    `${z}/instances?filter=name+eq+".*controller.*"`,
    `${z}/disks`,
    `${z}/machineTypes`,
    `${z}/machineTypes/e2-standard-2`,
    `${p}/regions`,
    `${r}`,
    `${p}/zones`,
    `${z}`,
    `${p}/global/images/family/debian-13`.replace('/p/', '/debian-cloud/'),
    `${z}/operations`,
  ]) {
    await call('GET', list);
  }
  await call('DELETE', `${r}/addresses/l-api`); // in use: an error
  await call('DELETE', `${z}/instances/l-controller-0`);
  await call('GET', `${z}/instances/l-controller-0`); // gone: an error
});

afterAll(() => emulator?.close());

describe("the emulator speaks gcloud's own compute v1 messages", () => {
  it('sends only fields that exist in compute_v1_messages.py, recursively', () => {
    const classes = computeMessages();
    const checked = answers.filter((answer) => typeof answer.body.kind === 'string');
    expect(checked.length).toBeGreaterThan(40);
    const unknown = checked.flatMap((answer) => {
      const kind = String(answer.body.kind).replace('compute#', '');
      return findUnknownFields(classes, kind[0]!.toUpperCase() + kind.slice(1), answer.body, answer.path);
    });
    expect(unknown).toEqual([]);
  });

  it('finds a field the generated client lacks (the check itself can fail)', () => {
    const classes = computeMessages();
    expect(
      findUnknownFields(classes, 'Instance', { name: 'x', networkInterfaces: [{ natIp: '1.2.3.4' }], labels: { any: 'key' } }),
    ).toEqual(['Instance.networkInterfaces[0].natIp']);
  });

  it("answers errors in Google's error format with a reason gcloud prints", () => {
    const errors = answers
      .filter((answer) => answer.body.error)
      .map((answer) => answer.body.error as { code: number; errors: { reason: string }[] });
    expect(errors.map((error) => [error.code, error.errors[0]!.reason])).toEqual([
      [400, 'resourceInUseByAnotherResource'],
      [404, 'notFound'],
    ]);
  });

  it('sends Service Usage answers that exist in serviceusage_v1_messages.py', () => {
    const classes = serviceUsageMessages();
    const [enable, list, get] = answers.filter((answer) => answer.path.startsWith('/serviceusage/'));
    expect([
      ...findUnknownFields(classes, 'Operation', { ...enable!.body, response: undefined }),
      ...findUnknownFields(classes, 'GoogleApiServiceusageV1Service', (enable!.body.response as { service: Resource }).service),
      ...findUnknownFields(classes, 'ListServicesResponse', list!.body),
      ...findUnknownFields(classes, 'GoogleApiServiceusageV1Service', get!.body),
    ]).toEqual([]);
  });
});
