/** remove-ssh-keys.sh removes exactly the keys of a run (or of CI's family) from the project's metadata, and no other. */
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/lab.js';
import { fakeTools, type FakeTools } from './fake-tools.js';

const SCRIPT = path.join(PROJECT_ROOT, '.github/scripts/remove-ssh-keys.sh');
let tools: FakeTools | undefined;
afterEach(() => tools?.remove());

// Entries as gcloud writes them: `user:TYPE DATA COMMENT` (ssh_utils: ToEntry(include_comment=True)).
const KEYS = [
  'runner:ssh-rsa AAAA1 kubeadm-ci-77',
  'runner:ssh-rsa AAAA2 kubeadm-ci-770',
  'alice:ssh-ed25519 AAAA3 alice@laptop',
  'runner:ssh-rsa AAAA4 kubeadm-ci-78',
  'bob:ssh-rsa AAAA5 google-ssh {"userName":"bob@example.com","expireOn":"2026-12-01T00:00:00+0000"}',
];

async function remove(pattern: string, keys = KEYS) {
  const project = {
    commonInstanceMetadata: {
      items: [
        { key: 'ssh-keys', value: keys.join('\n') },
        { key: 'other', value: 'x' },
      ],
    },
  };
  tools = fakeTools(['gcloud'], { 'gcloud compute project-info describe': JSON.stringify(project) });
  const result = await execa('bash', [SCRIPT, pattern], { env: { ...tools.env, PROJECT_ID: 'lab-project' }, reject: false });
  const write = tools.calls().find((call) => call.includes('add-metadata') || call.includes('remove-metadata'));
  return { result, write };
}

describe('remove-ssh-keys.sh', () => {
  it("removes exactly this run's key, keeping a longer run id's and everyone else's", async () => {
    const { result, write } = await remove('kubeadm-ci-77');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('runner kubeadm-ci-77');
    expect(write!.slice(0, 6)).toEqual(['gcloud', 'compute', 'project-info', 'add-metadata', '--project', 'lab-project']);
    expect(write!.at(-1)).toBe(`FILE:${[KEYS[1], KEYS[2], KEYS[3], KEYS[4]].join('\n')}`);
  });

  it('removes every CI key with NAME-*, and the metadata entry when nothing else is left', async () => {
    const { result, write } = await remove('kubeadm-ci-*', [KEYS[0]!, KEYS[3]!]);
    expect(result.stdout).toMatch(/runner kubeadm-ci-77\n\s+runner kubeadm-ci-78/);
    expect(write).toEqual(['gcloud', 'compute', 'project-info', 'remove-metadata', '--project', 'lab-project', '--keys', 'ssh-keys']);
  });

  it('writes nothing when the project holds no key of the run', async () => {
    const { result, write } = await remove('kubeadm-ci-99');
    expect(result.stdout).toContain('No SSH key of kubeadm-ci-99');
    expect(write).toBeUndefined();
  });

  it('refuses a pattern that is not a lab name, exit 2', async () => {
    const { result } = await remove('*');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('is not a lab name');
  });
});
