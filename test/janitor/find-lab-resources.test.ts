/**
 * The janitor against an in-process Compute Engine that refuses to delete what is still in use:
 * it finds a lab's own resources and the CCM's load balancer resources tied to it, leaves every
 * other lab alone, deletes in an order the API accepts, and keeps going when a list fails.
 */
import { describe, expect, it } from 'vitest';
import { findLabResources, selectLabResources } from '../../runner/janitor/find-lab-resources.js';
import { parseLabSelector } from '../../runner/janitor/lab-names.js';
import { deleteLabResources } from '../../runner/janitor/run-janitor.js';
import { fakeCompute, labProject, url } from './fake-compute.js';

const HOSTS = ['controller-0', 'worker-0'];
const NOW = new Date('2026-11-27T00:00:00Z');
const lab = labProject('kubeadm-lab', { service: 'aaa111', ip: '203.0.113.1' });
const neighbours = [
  labProject('kubeadm-lab-2', { service: 'bbb222', ip: '203.0.113.2' }),
  labProject('kubeadm-laboratory', { service: 'ccc333', ip: '203.0.113.3' }),
  labProject('kubeadm-ci-7', { service: 'ddd444', ip: '203.0.113.4' }),
];

async function deleteAll(compute: ReturnType<typeof fakeCompute>, prefix: string) {
  const found = await findLabResources(compute.gcloud, 'lab-project', parseLabSelector(prefix), HOSTS, NOW);
  const results = await deleteLabResources(compute.gcloud, found.resources, 'lab-project', () => {});
  return { found, results };
}

describe('the janitor on a project shared by several labs', () => {
  it("deletes the lab's own resources and the CCM's load balancer, firewall rules, health check and address, in an order the API accepts", async () => {
    const compute = fakeCompute(lab);
    const { found, results } = await deleteAll(compute, 'kubeadm-lab');
    expect(results.filter((result) => !result.deleted)).toEqual([]);
    expect(found.failures).toEqual([]);
    expect(compute.remaining()).toEqual({});
    expect(found.resources.map((resource) => `${resource.kind} ${resource.name}`)).toEqual(
      expect.arrayContaining([
        'forwarding-rules aaaa111',
        'target-pools aaaa111',
        'http-health-checks k8s-kubeadm-lab-node',
        'addresses aaaa111',
        'firewall-rules k8s-fw-aaaa111',
        'firewall-rules k8s-kubeadm-lab-node-http-hc',
        'disks pvc-aaa111',
      ]),
    );
  });

  it('leaves kubeadm-lab-2, kubeadm-laboratory and kubeadm-ci-7 untouched when asked for kubeadm-lab', async () => {
    const compute = fakeCompute(lab, ...neighbours);
    const before = fakeCompute(...neighbours).remaining();
    await deleteAll(compute, 'kubeadm-lab');
    expect(compute.remaining()).toEqual(before);
  });

  it('takes every lab of a family with NAME-*, and nothing else', async () => {
    const ci = [
      labProject('kubeadm-ci-7', { service: 'eee555', ip: '198.51.100.1' }),
      labProject('kubeadm-ci-8', { service: 'fff666', ip: '198.51.100.2' }),
    ];
    const others = [lab, neighbours[0]!, neighbours[1]!];
    const compute = fakeCompute(...ci, ...others);
    await deleteAll(compute, 'kubeadm-ci-*');
    expect(compute.remaining()).toEqual(fakeCompute(...others).remaining());
  });

  it("finds a target pool by the lab's instances even after they are gone, and its health check and forwarding rule with it", () => {
    const { instances: _gone, ...rest } = lab;
    const names = selectLabResources(rest, parseLabSelector('kubeadm-lab'), HOSTS).map((resource) => `${resource.kind} ${resource.name}`);
    expect(names).toEqual(
      expect.arrayContaining(['target-pools aaaa111', 'http-health-checks k8s-kubeadm-lab-node', 'forwarding-rules aaaa111']),
    );
  });

  it("finds the CCM's node health check and its firewall rules by the cluster ID (the prefix) once the network and pools are gone", () => {
    const at = { creationTimestamp: '2026-01-01T00:00:00Z' };
    const orphans = {
      'http-health-checks': [
        { name: 'k8s-kubeadm-lab-node', ...at },
        { name: 'k8s-kubeadm-lab-2-node', ...at },
      ],
      'firewall-rules': [
        { name: 'k8s-kubeadm-lab-node-http-hc', ...at, network: url.network('gone') },
        { name: 'k8s-kubeadm-lab-2-node-http-hc', ...at, network: url.network('gone') },
        { name: 'k8s-kubeadm-laboratory-node-hc', ...at, network: url.network('gone') },
      ],
    };
    const names = selectLabResources(orphans, parseLabSelector('kubeadm-lab'), HOSTS).map((resource) => resource.name);
    expect(names).toEqual(['k8s-kubeadm-lab-node', 'k8s-kubeadm-lab-node-http-hc']);
  });

  it("leaves a project's resources of no lab alone: another cluster's load balancer outside the lab's network", () => {
    const foreign = {
      'target-pools': [
        { name: 'a999', creationTimestamp: '2026-01-01T00:00:00Z', region: 'europe-west1', instances: [url.instance('web-0')] },
      ],
      'firewall-rules': [{ name: 'k8s-fw-a999', creationTimestamp: '2026-01-01T00:00:00Z', network: url.network('default') }],
      'http-health-checks': [{ name: 'k8s-0123-node', creationTimestamp: '2026-01-01T00:00:00Z' }],
    };
    expect(selectLabResources(foreign, parseLabSelector('kubeadm-lab'), HOSTS)).toEqual([]);
  });

  it('keeps younger resources with an age limit, and takes them all without one (--older-than 0s)', async () => {
    const young = labProject('kubeadm-lab', { service: 'aaa111', ip: '203.0.113.1' }, NOW.toISOString());
    const limited = await findLabResources(
      fakeCompute(young).gcloud,
      'lab-project',
      parseLabSelector('kubeadm-lab'),
      HOSTS,
      new Date(NOW.getTime() - 3 * 3600_000),
    );
    expect(limited.resources).toEqual([]);
    const unlimited = await findLabResources(
      fakeCompute(young).gcloud,
      'lab-project',
      parseLabSelector('kubeadm-lab'),
      HOSTS,
      new Date(NOW.getTime() + 1),
    );
    expect(unlimited.resources.length).toBe(Object.values(young).flat().length);
  });

  it('runs against a stand-in that refuses what GCE refuses: a network its firewall rules still use', async () => {
    const compute = fakeCompute(lab);
    const refused = await compute.gcloud(['compute', 'networks', 'delete', 'kubeadm-lab-net', '--quiet'], 1000);
    expect(refused.stderr).toContain(
      "The resource 'global/networks/kubeadm-lab-net' is already being used by 'zones/europe-west1-b/instances/",
    );
  });

  it("keeps a lab's service account and role while its instances cannot be listed, or one of them stays", async () => {
    const unlisted = fakeCompute(lab);
    unlisted.failLists.add('instances');
    const withoutInstances = await findLabResources(unlisted.gcloud, 'lab-project', parseLabSelector('kubeadm-lab'), HOSTS, NOW);
    expect(withoutInstances.resources.filter((resource) => resource.kind.startsWith('iam '))).toEqual([]);
    const young = { ...lab, instances: [{ ...lab.instances[0]!, creationTimestamp: NOW.toISOString() }] };
    const staying = await findLabResources(fakeCompute(young).gcloud, 'lab-project', parseLabSelector('kubeadm-lab'), HOSTS, NOW);
    expect(staying.resources.filter((resource) => resource.kind.startsWith('iam '))).toEqual([]);
    const all = await findLabResources(fakeCompute(lab).gcloud, 'lab-project', parseLabSelector('kubeadm-lab'), HOSTS, NOW);
    expect(all.resources.filter((resource) => resource.kind.startsWith('iam ')).map((resource) => resource.name)).toEqual([
      'kubeadm-lab-nodes@lab-project.iam.gserviceaccount.com',
      'kubeadm_lab_disk_attacher',
    ]);
  });

  it('reports a list that failed and still finds and deletes everything the other lists show', async () => {
    const compute = fakeCompute(lab);
    compute.failLists.add('target-pools');
    const { found, results } = await deleteAll(compute, 'kubeadm-lab');
    expect(found.failures).toEqual([
      {
        kind: 'target-pools',
        message: expect.stringContaining('gcloud compute target-pools list --project lab-project --format json failed: ERROR:'),
      },
    ]);
    // Without the pool, its forwarding rule and address are not tied to the lab: they wait for the
    // next run, and the pool keeps the node health check (found by its name) from going now.
    expect(results.filter((result) => !result.deleted).map((result) => `${result.resource.kind} ${result.resource.name}`)).toEqual([
      'http-health-checks k8s-kubeadm-lab-node',
    ]);
    expect(compute.remaining()).toEqual({
      'forwarding-rules': ['aaaa111'],
      'target-pools': ['aaaa111'],
      'http-health-checks': ['k8s-kubeadm-lab-node'],
      addresses: ['aaaa111'],
    });
  });
});
