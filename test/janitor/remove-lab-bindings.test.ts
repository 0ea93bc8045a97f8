/** The project bindings of a lab's nodes account: found by exact lab name, removed one at a time, a failed read reported. */
import { describe, expect, it } from 'vitest';
import type { ToolResult } from '../../runner/execute/run-tool.js';
import { findLabBindings, removeLabBindings } from '../../runner/janitor/remove-lab-bindings.js';
import { parseLabSelector } from '../../runner/janitor/lab-names.js';

const policy = {
  bindings: [
    {
      role: 'roles/compute.viewer',
      members: [
        'serviceAccount:kubeadm-ci-7-nodes@p.iam.gserviceaccount.com',
        'serviceAccount:kubeadm-ci-7-old-nodes@p.iam.gserviceaccount.com',
        'serviceAccount:kubeadm-lab-nodes@p.iam.gserviceaccount.com',
      ],
    },
    { role: 'roles/compute.storageAdmin', members: ['deleted:serviceAccount:kubeadm-ci-6-nodes@p.iam.gserviceaccount.com?uid=42'] },
  ],
};

describe('the bindings of a lab nodes account', () => {
  it("finds a family's accounts about to go and those deleted already, never another lab's", () => {
    const found = findLabBindings(policy, parseLabSelector('kubeadm-ci-*'), new Set(['kubeadm-ci-7-nodes@p.iam.gserviceaccount.com']));
    expect(found).toEqual([
      { member: 'serviceAccount:kubeadm-ci-7-nodes@p.iam.gserviceaccount.com', role: 'roles/compute.viewer' },
      { member: 'deleted:serviceAccount:kubeadm-ci-6-nodes@p.iam.gserviceaccount.com?uid=42', role: 'roles/compute.storageAdmin' },
    ]);
  });

  it('leaves the bindings of an account that stays', () => {
    expect(findLabBindings(policy, parseLabSelector('kubeadm-lab'), new Set())).toEqual([]);
  });

  it('reports a policy it could not read instead of throwing', async () => {
    const failing = async (): Promise<ToolResult> => ({ exitCode: 1, stdout: '', stderr: 'ERROR: permission denied\n', timedOut: false });
    const result = await removeLabBindings(failing, 'p', parseLabSelector('kubeadm-lab'), new Set(), () => {});
    expect(result).toEqual({ error: 'gcloud projects get-iam-policy p --format json failed: ERROR: permission denied' });
  });
});
