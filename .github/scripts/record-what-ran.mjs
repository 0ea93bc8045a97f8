#!/usr/bin/env node
// Prints, as JSON, what a night actually ran, for the morning's night-to-night diff: the book's
// commit and pins, the runner image, gcloud, kubectl and Node, the Debian image behind the book's
// image family (as Compute Engine resolves it now), and, from the run's step logs, the versions apt
// installed of the Kubernetes packages and the image references the steps printed.
// Usage: record-what-ran.mjs [LOGS_DIR]   (default .lab/logs; run from the repository's root)
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const PACKAGES = ['containerd.io', 'kubelet', 'kubeadm', 'kubectl', 'kubernetes-cni', 'cri-tools'];
const IMAGE = /\b((?:registry\.k8s\.io|docker\.io|ghcr\.io|quay\.io|gcr\.io)\/[a-z0-9._/-]+(?::[\w.-]+)?(?:@sha256:[0-9a-f]{64})?)/g;

/** A tool's trimmed stdout, or undefined when it is missing or fails: a record is never lost for one fact. */
function output(command, args) {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000 }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.log'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

const vars = parse(readFileSync('docs/book.yaml', 'utf8')).vars ?? {};
const value = (name) => process.env[name] || (typeof vars[name] === 'object' && vars[name] !== null ? vars[name].default : vars[name]);

const packages = {};
const images = new Set();
for (const file of filesUnder(process.argv[2] ?? '.lab/logs')) {
  const text = readFileSync(file, 'utf8');
  for (const [, name, version] of text.matchAll(/^Setting up ([a-z0-9.+-]+) \(([^)\s]+)\)/gm)) {
    if (PACKAGES.includes(name)) (packages[name] ??= new Set()).add(version);
  }
  for (const [, image] of text.matchAll(IMAGE)) images.add(image);
}

const kubectl = output('kubectl', ['version', '--client', '--output', 'json']);
const record = {
  book: {
    commit: process.env.GITHUB_SHA || output('git', ['rev-parse', 'HEAD']),
    pins: Object.fromEntries(
      Object.keys(vars)
        .filter((name) => /_(VERSION|COMMIT)$/.test(name))
        .map((name) => [name, String(value(name))]),
    ),
  },
  runner: {
    image: process.env.ImageOS ? `${process.env.ImageOS} ${process.env.ImageVersion ?? ''}`.trim() : undefined,
    node: process.version,
    gcloud: output('gcloud', ['version', '--format', 'value("Google Cloud SDK")']),
    kubectl: kubectl ? JSON.parse(kubectl).clientVersion?.gitVersion : undefined,
  },
  debianImage: output('gcloud', [
    'compute',
    'images',
    'describe-from-family',
    String(value('IMAGE_FAMILY')),
    '--project',
    String(value('IMAGE_PROJECT')),
    '--format',
    'value(name)',
  ]),
  packages: Object.fromEntries(
    PACKAGES.map((name) => [name, packages[name] ? [...packages[name]].sort().join(', ') : undefined]),
  ),
  images: [...images].sort(),
};
process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
