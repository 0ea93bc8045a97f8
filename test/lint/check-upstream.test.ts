/**
 * `lab check --online` on what a book applies from upstream, all of it local: a git repository
 * reached through a file:// URL at a tag (as kustomize reaches GitHub), and a web server on
 * loopback for a release asset.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBook } from '../../runner/book/load-book.js';
import type { CommandStep } from '../../runner/book/types.js';
import { checkUpstream } from '../../runner/lint/check-upstream.js';

const fence = '```';
let root: string;
let server: Server;
let base: string;

const MANIFEST = `apiVersion: v1
kind: Namespace
metadata: {name: net}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: net, namespace: net}
spec:
  selector: {matchLabels: {app: net}}
  template:
    metadata: {labels: {app: net}}
    spec:
      containers: [{name: net, image: "ghcr.io/example/net:v0.9.0"}]
`;

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'lab-upstream-'));
  // The driver's repository, tagged as the book pins it.
  const repo = path.join(root, 'driver');
  mkdirSync(path.join(repo, 'deploy'), { recursive: true });
  writeFileSync(path.join(repo, 'deploy/kustomization.yaml'), 'resources: [driver.yaml, crd.yaml, widget.yaml]\n');
  writeFileSync(
    path.join(repo, 'deploy/driver.yaml'),
    'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: driver, namespace: driver-system}\nspec:\n  selector: {matchLabels: {app: d}}\n  template:\n    metadata: {labels: {app: d}}\n    spec:\n      containers: [{name: d, image: "registry.example.com/driver:v1.2.0"}]\n',
  );
  writeFileSync(
    path.join(repo, 'deploy/crd.yaml'),
    'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: gadgets.example.com}\nspec:\n  group: example.com\n  names: {kind: Gadget, plural: gadgets}\n  scope: Cluster\n  versions: [{name: v1, served: true, storage: true}]\n',
  );
  writeFileSync(
    path.join(repo, 'deploy/widget.yaml'),
    'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n---\napiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g}\n',
  );
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=lab@example.com', '-c', 'user.name=lab', ...args], { cwd: repo, stdio: 'ignore' });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'driver');
  git('tag', 'v1.2.0');
  // v1.3.0 changed something else and left the image at v1.2.0, as an overlay pinning its own image does.
  writeFileSync(path.join(repo, 'README'), 'v1.3.0\n');
  git('add', '-A');
  git('commit', '-qm', 'readme');
  git('tag', 'v1.3.0');

  server = createServer((request, response) => {
    const body = request.url === '/net.yaml' ? MANIFEST : undefined;
    response.writeHead(body ? 200 : 404).end(body ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

function writeBook(chapter: string) {
  const dir = mkdtempSync(path.join(root, 'book-'));
  mkdirSync(path.join(dir, 'docs'));
  writeFileSync(
    path.join(dir, 'docs/book.yaml'),
    `title: T\nchapters: [01-c.md]\n# Images: ghcr.io/example/net (see NET_VERSION) and registry.example.com/driver (see DRIVER_VERSION).\nvars:\n  NET_VERSION: 0.9.1\n  DRIVER_VERSION: 1.2.0\n  K8S_MINOR: "1.36"\n  BASE: ${base}\n  REPO: ${path.join(root, 'driver')}\n`,
  );
  writeFileSync(path.join(dir, 'docs/01-c.md'), chapter);
  const book = loadBook(path.join(dir, 'docs'));
  return { book, steps: book.chapters.flatMap((c) => c.steps).filter((s): s is CommandStep => s.kind !== 'file') };
}

describe('checkUpstream', () => {
  it('renders a file:// kustomization at its tag and a fetched asset, and finds namespaces, images and kinds the book does not account for', async () => {
    const { book, steps } = writeBook(
      `${fence}sh {kubectl}\nkubectl apply -k "file://\${REPO}//deploy?ref=v\${DRIVER_VERSION}"\nkubectl apply -f "\${BASE}/net.yaml"\n${fence}\n`,
    );
    const skipped: string[] = [];
    const problems = await checkUpstream(book, steps, (notice) => skipped.push(notice));
    expect(skipped).toEqual([]);
    expect(problems.map((p) => `${p.line}:${p.column} ${p.rule}: ${p.message.split(' (from')[0]}`)).toEqual([
      '2:15 upstream-namespace: Deployment driver-system/driver',
      '2:15 upstream-kind: Widget w',
      '3:15 upstream-image: DaemonSet net/net',
    ]);
  });

  it('is content with a namespace the book creates and the tags it pins', async () => {
    const { book, steps } = writeBook(
      `${fence}sh {kubectl}\nkubectl create namespace driver-system\nkubectl apply -k "file://\${REPO}//deploy?ref=v\${DRIVER_VERSION}"\n${fence}\n`,
    );
    const problems = await checkUpstream(book, steps, () => {});
    expect(problems.map((p) => p.rule)).toEqual(['upstream-kind']);
  });

  it('finds an image of the applied project that is not at the ref the book applies it at', async () => {
    const { book, steps } = writeBook(
      `${fence}sh {kubectl}\nkubectl create namespace driver-system\nkubectl apply -k "file://\${REPO}//deploy?ref=v1.3.0"\n${fence}\n`,
    );
    const problems = await checkUpstream(book, steps, () => {});
    expect(problems.filter((p) => p.rule === 'upstream-image').map((p) => p.message)).toEqual([
      expect.stringMatching(
        /^Deployment driver-system\/driver \(from .*\) runs registry\.example\.com\/driver:v1\.2\.0, but the book applies driver at 1\.3\.0$/,
      ),
    ]);
  });

  it('reads a manifest fed through a here-document, and leaves one piped from a command alone', async () => {
    const { book, steps } = writeBook(
      `${fence}sh {kubectl}\nkubectl create configmap c --from-literal a=b --dry-run=client -o yaml | kubectl apply -f -\nkubectl apply -f - <<'EOF'\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: elsewhere}\nEOF\n${fence}\n`,
    );
    const skipped: string[] = [];
    const problems = await checkUpstream(book, steps, (notice) => skipped.push(notice));
    expect(skipped).toEqual([]);
    expect(problems.map((p) => `${p.line}:${p.column} ${p.rule}: ${p.message}`)).toEqual([
      '3:15 upstream-namespace: ConfigMap elsewhere/c (from a here-document) is in namespace elsewhere, which nothing in the book creates',
    ]);
  });

  it('says out loud what it could not fetch or build, and checks nothing of it', async () => {
    const { book, steps } = writeBook(
      `${fence}sh {kubectl}\nkubectl apply -f "\${BASE}/gone.yaml"\nkubectl apply -k "file://\${REPO}//deploy?ref=v9.9.9"\n${fence}\n`,
    );
    const skipped: string[] = [];
    const problems = await checkUpstream(book, steps, (notice) => skipped.push(notice));
    expect(problems).toEqual([]);
    expect(skipped).toEqual([
      `-f ${base}/gone.yaml was not checked: ${base}/gone.yaml answered 404 Not Found`,
      expect.stringMatching(/^-k file:\/\/.*\/\/deploy\?ref=v9\.9\.9 was not checked: kubectl kustomize .* failed: /),
    ]);
  });
});
