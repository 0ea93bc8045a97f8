/**
 * install-kubectl.sh: the kubectl of the book's KUBERNETES_VERSION, checked against its published
 * SHA-256 before it reaches the job's PATH. dl.k8s.io cannot be reached here: a stand-in curl serves
 * a binary and its checksum, and records the URLs asked for.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/lab.js';

const SCRIPT = path.join(PROJECT_ROOT, '.github/scripts/install-kubectl.sh');
const VERSION = (parse(readFileSync(path.join(PROJECT_ROOT, 'docs/book.yaml'), 'utf8')) as { vars: { KUBERNETES_VERSION: string } }).vars
  .KUBERNETES_VERSION;
const BINARY = `#!/bin/sh\necho "Client Version: v${VERSION}"\n`;
let dir: string | undefined;
afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

async function install(checksum: string) {
  dir = mkdtempSync(path.join(tmpdir(), 'lab-install-kubectl-'));
  const fakes = path.join(dir, 'bin');
  mkdirSync(fakes);
  writeFileSync(path.join(dir, 'binary'), BINARY);
  // curl … --output FILE URL writes the binary; curl … URL.sha256 prints the checksum.
  writeFileSync(
    path.join(fakes, 'curl'),
    `#!/usr/bin/env bash\nurl=\${@: -1}\necho "$url" >> ${dir}/urls\nfor ((i = 1; i <= $#; i++)); do if [[ \${!i} == --output ]]; then j=$((i + 1)); cp ${dir}/binary "\${!j}"; exit 0; fi; done\necho ${checksum}\n`,
  );
  chmodSync(path.join(fakes, 'curl'), 0o755);
  const githubPath = path.join(dir, 'github-path');
  const result = await execa('bash', [SCRIPT], {
    cwd: PROJECT_ROOT,
    env: { PATH: `${fakes}:${process.env.PATH}`, RUNNER_TEMP: dir, GITHUB_PATH: githubPath },
    reject: false,
  });
  return { result, urls: readFileSync(path.join(dir, 'urls'), 'utf8'), githubPath };
}

describe('install-kubectl.sh', () => {
  it("installs the book's kubectl, its checksum verified, first on the job's PATH", async () => {
    const { result, urls, githubPath } = await install(createHash('sha256').update(BINARY).digest('hex'));
    expect(result.exitCode).toBe(0);
    expect(urls).toBe(
      `https://dl.k8s.io/release/v${VERSION}/bin/linux/amd64/kubectl\nhttps://dl.k8s.io/release/v${VERSION}/bin/linux/amd64/kubectl.sha256\n`,
    );
    expect(result.stdout).toContain(`Client Version: v${VERSION}`);
    expect(readFileSync(githubPath, 'utf8')).toBe(`${path.join(dir!, 'kubectl-bin')}\n`);
  });

  it('refuses a binary whose checksum does not match, and puts nothing on the PATH', async () => {
    const { result, githubPath } = await install('0'.repeat(64));
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/FAILED|did NOT match/);
    expect(existsSync(githubPath)).toBe(false);
  });
});
