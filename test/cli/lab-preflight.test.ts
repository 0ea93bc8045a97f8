/** The preflight through the real CLI: a slow gcloud is waited for, never taken for a missing login. */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { LAB_BIN } from '../helpers/lab.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A book with one gcloud step, and a `gcloud` on PATH that answers `config list` after `delay` seconds. */
function slowGcloudBook(delay: number): { dir: string; env: Record<string, string> } {
  const dir = mkdtempSync(path.join(tmpdir(), 'lab-preflight-'));
  made.push(dir);
  mkdirSync(path.join(dir, 'docs'));
  mkdirSync(path.join(dir, 'bin'));
  writeFileSync(path.join(dir, 'docs/book.yaml'), 'title: Preflight\nchapters: [01-cloud.md]\n');
  writeFileSync(path.join(dir, 'docs/01-cloud.md'), '# Cloud\n\n```sh {gcloud}\necho the step ran > ran.txt\n```\n');
  const config = JSON.stringify({ core: { account: 'lab@example.com', project: 'lab-project' }, compute: { zone: 'europe-west1-b' } });
  writeFileSync(path.join(dir, 'bin/gcloud'), `#!/bin/sh\nsleep ${delay}\nprintf '%s' '${config}'\n`);
  chmodSync(path.join(dir, 'bin/gcloud'), 0o755);
  return { dir, env: { PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`, NO_COLOR: '1', CI: '' } };
}

describe('the GCE preflight', () => {
  it('waits for a gcloud that takes 3 seconds to answer, as a busy machine makes it, and runs', async () => {
    const { dir, env } = slowGcloudBook(3);
    const result = await execa(process.execPath, [LAB_BIN, 'run', 'chapter-1'], { cwd: dir, env, reject: false, stdin: 'ignore' });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(readFileSync(path.join(dir, '.lab/work/ran.txt'), 'utf8')).toBe('the step ran\n');
  });
});
