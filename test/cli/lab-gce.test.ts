/**
 * The gce inventory and both SSH transports against emulated instances: the real gcloud lists
 * them and provisions the key; OpenSSH (or `gcloud compute ssh`) reaches each instance's own
 * Debian 13 userland as a non-root user with passwordless sudo. gcloud's calls are recorded by a
 * PATH shim that runs the real gcloud.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEmulator, type RunningEmulator } from '../../runner/emulator/run-emulator.js';
import { requireGcloud } from '../helpers/emulator.js';
import { LAB_BIN } from '../helpers/lab.js';
import { privateHome } from '../helpers/lab-emulator.js';

const dir = mkdtempSync(path.join(tmpdir(), 'lab-gce-'));
const home = privateHome();
/** Where steps write on the instances: a path that must never appear on this machine. */
const OUT = `/var/tmp/lab-gce-${path.basename(dir)}`;
let cloud: RunningEmulator;
let env: Record<string, string>;

const BOOK = {
  'book.yaml': `title: GCE fixture
chapters: [01-hosts.md, 02-unsaid-root.md, 03-cleanup.md]
cleanup: 03-cleanup.md
hosts:
  controllers: [controller-0]
  workers: [worker-0]
vars:
  PROJECT_ID: ''
  ZONE: ''
  PREFIX: g
  OUT: ${OUT}
`,
  '01-hosts.md': `# Hosts

\`\`\`sh {sh on=all}
echo "$(hostname) $(id -un) $(grep '^VERSION_ID=' /etc/os-release)"
\`\`\`

\`\`\`sh {kubeadm on=all}
mkdir -p "$OUT" && id -u > "$OUT/root-id"
\`\`\`

\`\`\`text {file=\${OUT}/written on=all mode=0600}
written by the runner
\`\`\`

\`\`\`sh {check on=all root}
cat "$OUT/root-id" "$OUT/written"
\`\`\`

\`\`\`text {output}
0
written by the runner
\`\`\`
`,
  '02-unsaid-root.md': `# A step that needs root and does not say so

\`\`\`sh {sh on=controller-0}
echo nameserver 10.0.0.1 > /etc/resolv.conf
\`\`\`
`,
  '03-cleanup.md': '# Cleanup\n',
};

function writeBook(): string {
  const bookDir = path.join(dir, 'docs');
  mkdirSync(bookDir, { recursive: true });
  for (const [name, text] of Object.entries(BOOK)) writeFileSync(path.join(bookDir, name), text);
  return bookDir;
}

beforeAll(async () => {
  const gcloud = requireGcloud();
  cloud = await runEmulator();
  if (!cloud.hosts) throw new Error(`These tests need instances as hosts: ${cloud.whyNoHosts}`);
  mkdirSync(path.join(dir, 'shim'));
  writeFileSync(path.join(dir, 'shim/gcloud'), `#!/bin/sh\nprintf '%s\\n' "$*" >> ${dir}/gcloud-calls\nexec ${gcloud} "$@"\n`, {
    mode: 0o755,
  });
  env = { ...home.env, ...cloud.env, PATH: `${dir}/shim:${process.env.PATH}`, NO_COLOR: '1' };
  const run = (args: string[]) => execa('gcloud', args, { env: { ...process.env, ...env }, reject: false, stdin: 'ignore' });
  expect((await run(['compute', 'networks', 'create', 'g-net', '--subnet-mode', 'auto'])).exitCode).toBe(0);
  const made = await run([
    'compute',
    'instances',
    'create',
    'g-controller-0',
    'g-worker-0',
    '--zone',
    'us-central1-a',
    '--network',
    'g-net',
    '--image-family',
    'debian-13',
    '--image-project',
    'debian-cloud',
  ]);
  expect(made.exitCode, String(made.stderr)).toBe(0);
  await Promise.all(['g-controller-0', 'g-worker-0'].map((name) => cloud.hosts!.ready(name)));
}, 600_000);

afterAll(async () => {
  await cloud?.close();
  rmSync(dir, { recursive: true, force: true });
  home.remove();
});

async function lab(args: string[], extra: Record<string, string> = {}) {
  rmSync(path.join(dir, 'gcloud-calls'), { force: true });
  const result = await execa(process.execPath, [LAB_BIN, ...args, '--book', writeBook(), '--state', path.join(dir, 'state')], {
    cwd: dir,
    env: { ...process.env, ...env, ...extra },
    reject: false,
    stdin: 'ignore',
  });
  const calls = existsSync(path.join(dir, 'gcloud-calls')) ? readFileSync(path.join(dir, 'gcloud-calls'), 'utf8').trim().split('\n') : [];
  return { exitCode: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr), calls };
}

describe('the gce inventory over OpenSSH, against emulated instances', () => {
  it('lists the instances once, provisions the key with one gcloud compute ssh, then runs every step over OpenSSH on the instances themselves', async () => {
    const result = await lab(['run', 'chapter-1', '--restart']);
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.calls).toEqual([
      'config list --format=json',
      "compute instances list --project lab-emulator --zones us-central1-a --filter name ~ '^g-' --format json",
      'compute ssh g-controller-0 --zone us-central1-a --project lab-emulator --quiet --command true',
    ]);
    // The steps wrote on the instances, as root where they said so, never on this machine.
    expect(existsSync(OUT)).toBe(false);
  }, 300_000);

  it('fails a host step that needs root and does not say so, as GCE does', async () => {
    const result = await lab(['run', 'chapter-2', '--force']);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('/etc/resolv.conf: Permission denied');
  }, 300_000);
});

describe('--ssh gcloud, against emulated instances', () => {
  it('runs every step through gcloud compute ssh as the login user, root steps through sudo', async () => {
    const result = await lab(['run', 'chapter-1', '--restart', '--ssh', 'gcloud', '--verbose']);
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.stdout).toContain('g-controller-0 labtester VERSION_ID="13"');
    expect(result.stdout).toContain('g-worker-0 labtester VERSION_ID="13"');
    expect(result.calls).toContain(
      'compute ssh g-controller-0 --zone us-central1-a --project lab-emulator --quiet --command sudo -n bash -s',
    );
  }, 300_000);
});

describe('the preflight with the real gcloud', () => {
  it('says which host has no instance in the project the book variables name, before gcloud config', async () => {
    const result = await lab(['run', 'chapter-1', '--restart'], { PROJECT_ID: 'other-project' });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('controller-0 has no instance named g-controller-0 in project other-project, zone us-central1-a');
  }, 120_000);

  it('exits 3 with the exact commands when gcloud has no account, project or zone', async () => {
    const config = mkdtempSync(path.join(tmpdir(), 'lab-gcloud-config-'));
    try {
      const result = await lab(['run', 'chapter-1'], { CLOUDSDK_CONFIG: config, CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE: '' });
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
    } finally {
      rmSync(config, { recursive: true, force: true });
    }
  }, 60_000);
});
