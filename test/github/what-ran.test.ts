/** record-what-ran.mjs and diff-what-ran.mjs: what a night ran, from its logs and tools, and what changed since the last. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/lab.js';
import { fakeTools } from './fake-tools.js';

const RECORD = path.join(PROJECT_ROOT, '.github/scripts/record-what-ran.mjs');
const DIFF = path.join(PROJECT_ROOT, '.github/scripts/diff-what-ran.mjs');
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

function temporary(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lab-what-ran-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('record-what-ran.mjs', () => {
  it("records the packages apt set up, the images the steps printed, the book's pins and the Debian image behind the family", async () => {
    const logs = temporary();
    mkdirSync(path.join(logs, 'chapter-6'));
    writeFileSync(
      path.join(logs, 'chapter-6', 'install.worker-0.log'),
      'Setting up cri-tools (1.36.0-1.1) ...\nSetting up kubelet (1.36.4-1.1) ...\nSetting up containerd.io (2.2.1-1~debian.13~trixie) ...\nSetting up curl (8.14.1-2) ...\n',
    );
    writeFileSync(path.join(logs, 'chapter-6', 'pull.controller-0.log'), 'Pulled registry.k8s.io/kube-apiserver:v1.36.4\n');
    const tools = fakeTools(['gcloud', 'kubectl'], {
      'gcloud compute images describe-from-family debian-13 --project debian-cloud': 'debian-13-trixie-v20261110\n',
      'gcloud version': '528.0.0\n',
      'kubectl version': '{"clientVersion":{"gitVersion":"v1.36.4"}}',
    });
    cleanups.push(tools.remove);
    const { stdout } = await execa('node', [RECORD, logs], {
      cwd: PROJECT_ROOT,
      env: { ...tools.env, GITHUB_SHA: 'abc123', ImageOS: 'ubuntu24', ImageVersion: '20261116.1' },
    });
    const record = JSON.parse(stdout);
    expect(record.debianImage).toBe('debian-13-trixie-v20261110');
    expect(record.packages).toEqual({
      'containerd.io': '2.2.1-1~debian.13~trixie',
      kubelet: '1.36.4-1.1',
      'cri-tools': '1.36.0-1.1',
    });
    expect(record.images).toEqual(['registry.k8s.io/kube-apiserver:v1.36.4']);
    expect(record.book.commit).toBe('abc123');
    expect(record.book.pins.KUBERNETES_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(record.runner).toEqual({ image: 'ubuntu24 20261116.1', node: process.version, gcloud: '528.0.0', kubectl: 'v1.36.4' });
  });
});

describe('diff-what-ran.mjs', () => {
  it('names each fact that changed, with last night against this night', async () => {
    const dir = temporary();
    writeFileSync(
      path.join(dir, 'a.json'),
      JSON.stringify({ debianImage: 'debian-13-v1', packages: { kubelet: '1.36.3-1.1' }, images: ['x:1'] }),
    );
    writeFileSync(
      path.join(dir, 'b.json'),
      JSON.stringify({ debianImage: 'debian-13-v2', packages: { kubelet: '1.36.3-1.1' }, images: ['x:1'] }),
    );
    const { stdout } = await execa('node', [DIFF, path.join(dir, 'a.json'), path.join(dir, 'b.json')]);
    expect(stdout).toContain('| debianImage | `debian-13-v1` | `debian-13-v2` |');
    expect(stdout).not.toContain('kubelet');
  });

  it('says so when there is nothing to compare with', async () => {
    const dir = temporary();
    writeFileSync(path.join(dir, 'b.json'), '{}');
    const first = await execa('node', [DIFF, '', path.join(dir, 'b.json')]);
    expect(first.stdout).toContain('No earlier night left a record to compare with.');
    const lost = await execa('node', [DIFF, path.join(dir, 'b.json'), path.join(dir, 'missing.json')]);
    expect(lost.stdout).toContain('This night left no record');
  });
});
