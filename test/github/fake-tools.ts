/**
 * Stand-ins for `gh` and `gcloud` where GitHub's and Google's APIs cannot be reached: each call's
 * arguments are appended to calls.jsonl, and answers come from the files the test writes.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface FakeTools {
  dir: string;
  env: Record<string, string>;
  /** Every call, as `tool arg arg …`. */
  calls(): string[][];
  remove(): void;
}

/**
 * `answers` maps the start of a call (`gh issue list`) to what it prints on stdout; any other call
 * prints nothing and succeeds. A `--body-file`'s content is recorded as a last argument `BODY:…`, a
 * `--metadata-from-file KEY=FILE`'s as `FILE:…`.
 */
export function fakeTools(tools: string[], answers: Record<string, string>): FakeTools {
  const dir = mkdtempSync(path.join(tmpdir(), 'lab-fake-tools-'));
  const log = path.join(dir, 'calls.jsonl');
  writeFileSync(log, '');
  writeFileSync(path.join(dir, 'answers.json'), JSON.stringify(answers));
  for (const tool of tools) {
    const file = path.join(dir, tool);
    writeFileSync(
      file,
      `#!/usr/bin/env node
const { appendFileSync, readFileSync } = require('node:fs');
const args = process.argv.slice(2);
const body = args.includes('--body-file') ? ['BODY:' + readFileSync(args[args.indexOf('--body-file') + 1], 'utf8')] : [];
if (args.includes('--metadata-from-file')) body.push('FILE:' + readFileSync(args[args.indexOf('--metadata-from-file') + 1].split('=').slice(1).join('='), 'utf8'));
appendFileSync(${JSON.stringify(log)}, JSON.stringify([${JSON.stringify(tool)}, ...args, ...body]) + '\\n');
const answers = JSON.parse(readFileSync(${JSON.stringify(path.join(dir, 'answers.json'))}, 'utf8'));
const call = [${JSON.stringify(tool)}, ...args].join(' ');
const key = Object.keys(answers).find((start) => call.startsWith(start));
if (key !== undefined) process.stdout.write(answers[key]);
`,
    );
    chmodSync(file, 0o755);
  }
  return {
    dir,
    env: { PATH: `${dir}:${process.env.PATH}` },
    calls: () =>
      readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as string[]),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
