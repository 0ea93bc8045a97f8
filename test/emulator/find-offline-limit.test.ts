/** Which steps the rehearsal stops in front of, judged from their text before they run. */
import { describe, expect, it } from 'vitest';
import { findOfflineLimit } from '../../runner/emulator/find-offline-limit.js';

const sh = (script: string) => findOfflineLimit({ kind: 'sh', script });

describe('findOfflineLimit', () => {
  it("stops at a kernel module, a download from outside Debian's archive, and kubectl against a cluster", () => {
    expect(sh('printf overlay > /etc/modules-load.d/k.conf\nmodprobe overlay')).toContain('kernel modules');
    expect(sh('curl -fsSL https://pkgs.k8s.io/core:/stable:/v1.36/deb/Release.key | gpg --dearmor')).toContain(
      'downloads from pkgs.k8s.io',
    );
    expect(sh('nodes=$(kubectl get nodes -o name)')).toContain('no Kubernetes API');
    expect(findOfflineLimit({ kind: 'kubectl', script: 'true' })).toContain('a kubectl step');
  });

  it("lets through Debian's archive, kubectl that stays local, and a word that only names kubectl", () => {
    expect(sh('apt-get update && curl -fsSL https://deb.debian.org/debian/dists/trixie/Release')).toBeUndefined();
    expect(sh('minor=$(kubectl version --client -o json | grep -o minor)')).toBeUndefined();
    expect(sh('kubectl kustomize snippets/storage > out.yaml')).toBeUndefined();
    expect(sh('for tool in gcloud kubectl openssl; do command -v "${tool}"; done')).toBeUndefined();
  });
});
