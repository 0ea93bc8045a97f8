/** The emulator's own rules, asked over HTTP without gcloud: paging, filters, state files, expiry. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../runner/emulator/server.js';
import { parseFilter } from '../../runner/emulator/filter.js';
import { claimAddressBlock } from '../../runner/emulator/address-block.js';

const started: Emulator[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((emulator) => emulator.close()));
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function start(options: Parameters<typeof startEmulator>[0] = {}): Promise<Emulator> {
  const emulator = await startEmulator(options);
  started.push(emulator);
  return emulator;
}

async function call(emulator: Emulator, method: string, path: string, body?: unknown) {
  const response = await fetch(`${emulator.url}/compute/v1/projects/p/${path}`, {
    method,
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe('the emulated Compute Engine API', () => {
  it('pages a long list with nextPageToken and maxResults', async () => {
    const emulator = await start();
    for (const name of ['a-net', 'b-net', 'c-net']) await call(emulator, 'POST', 'global/networks', { name, autoCreateSubnetworks: false });
    const first = await call(emulator, 'GET', 'global/networks?maxResults=2');
    expect(first.body.items.map((item: { name: string }) => item.name)).toEqual(['a-net', 'b-net']);
    const second = await call(emulator, 'GET', `global/networks?maxResults=2&pageToken=${first.body.nextPageToken}`);
    expect(second.body.items.map((item: { name: string }) => item.name)).toEqual(['c-net']);
    expect(second.body.nextPageToken).toBeUndefined();
  });

  it('keeps its state in a file across a restart on another port, links moved to the new address', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-emulator-state-'));
    dirs.push(dir);
    const stateFile = path.join(dir, 'state.json');
    const before = await start({ stateFile });
    await call(before, 'POST', 'global/networks', { name: 'kept-net', autoCreateSubnetworks: false });
    await before.close();
    const after = await start({ stateFile });
    const network = await call(after, 'GET', 'global/networks/kept-net');
    expect(network.status).toBe(200);
    expect(network.body.selfLink).toBe(`${after.url}/compute/v1/projects/p/global/networks/kept-net`);
  });

  it('refuses a state file that is not one, naming it and what to do', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-emulator-state-'));
    dirs.push(dir);
    const stateFile = path.join(dir, 'state.json');
    fs.writeFileSync(stateFile, '{"half": ');
    await expect(startEmulator({ stateFile })).rejects.toThrow(`${stateFile} is not an emulator state file`);
  });

  it('deletes an instance whose maxRunDuration has passed when its termination action is DELETE', async () => {
    let now = new Date('2026-11-27T00:00:00Z');
    const emulator = await start({ now: () => now });
    await call(emulator, 'POST', 'global/networks', { name: 'n', autoCreateSubnetworks: true });
    const made = await call(emulator, 'POST', 'zones/us-central1-a/instances', {
      name: 'short',
      machineType: 'zones/us-central1-a/machineTypes/e2-micro',
      disks: [{ boot: true, autoDelete: true, initializeParams: { sourceImage: 'projects/debian-cloud/global/images/family/debian-13' } }],
      networkInterfaces: [{ network: 'global/networks/n' }],
      scheduling: { maxRunDuration: { seconds: '60' }, instanceTerminationAction: 'DELETE' },
    });
    expect(made.status).toBe(200);
    expect((await call(emulator, 'GET', 'zones/us-central1-a/instances/short')).status).toBe(200);
    now = new Date('2026-11-27T00:01:01Z');
    expect((await call(emulator, 'GET', 'zones/us-central1-a/instances/short')).status).toBe(404);
    expect((await call(emulator, 'GET', 'zones/us-central1-a/disks/short')).status).toBe(404);
  });

  it('answers 400 for a filter form gcloud does not send, and 404 for an unknown zone', async () => {
    const emulator = await start();
    expect((await call(emulator, 'GET', 'global/networks?filter=name%3Dx')).status).toBe(400);
    expect((await call(emulator, 'GET', 'zones/mars-north1-a/instances')).status).toBe(404);
  });
});

describe('the filter parameter', () => {
  it('matches eq and ne terms as whole-field regular expressions, ANDed', () => {
    const keep = parseFilter('(name eq ".*(^x-).*")(labels.lab ne "y")');
    expect(keep({ name: 'x-net', labels: { lab: 'x' } })).toBe(true);
    expect(keep({ name: 'x-net', labels: { lab: 'y' } })).toBe(false);
    expect(keep({ name: 'ax-net' })).toBe(false);
  });
});

describe('address blocks', () => {
  it('gives two emulators at once two loopback blocks, and a released block to the next', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-emulator-blocks-'));
    dirs.push(dir);
    const first = claimAddressBlock(dir);
    const second = claimAddressBlock(dir);
    expect([first.prefix, second.prefix]).toEqual(['127.2.1.', '127.2.2.']);
    first.release();
    expect(claimAddressBlock(dir).prefix).toBe('127.2.1.');
  });

  it('takes over the block of an emulator that died', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-emulator-blocks-'));
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'lab-emulator-127.2.1.lock'), '999999999');
    expect(claimAddressBlock(dir).prefix).toBe('127.2.1.');
  });
});
