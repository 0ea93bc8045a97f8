/** Runs the real `lab` CLI on a copy of a fixture book, in a temporary folder of its own. */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const LAB_BIN = path.join(PROJECT_ROOT, 'bin/lab.js');

export interface LabResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface Workspace {
  dir: string;
  /** Runs `lab ARGS` in the workspace with the copied book. */
  lab(args: string[], env?: Record<string, string>): Promise<LabResult>;
  /** Starts `lab ARGS` without waiting, for interrupt tests. */
  start(args: string[], env?: Record<string, string>): ResultPromise;
  read(relative: string): string;
  write(relative: string, text: string): void;
  /** Replaces text in a file of the copied book. */
  edit(relative: string, from: string, to: string): void;
}

/** Copies test/fixtures/NAME (its docs/ and snippets/) into a new temporary folder. */
export function createWorkspace(fixture: string): Workspace {
  const dir = mkdtempSync(path.join(tmpdir(), `lab-${fixture}-`));
  cpSync(path.join(PROJECT_ROOT, 'test/fixtures', fixture), dir, { recursive: true });
  const options = (env: Record<string, string> = {}) => ({
    cwd: dir,
    reject: false,
    env: { LAB_OUT: dir, NO_COLOR: '1', CI: '', ...env },
    extendEnv: true,
    stdin: 'ignore' as const,
  });
  return {
    dir,
    async lab(args, env) {
      const result = await execa(process.execPath, [LAB_BIN, ...args], options(env));
      return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
    },
    start(args, env) {
      return execa(process.execPath, [LAB_BIN, ...args], options(env));
    },
    read: (relative) => readFileSync(path.join(dir, relative), 'utf8'),
    write: (relative, text) => writeFileSync(path.join(dir, relative), text),
    edit(relative, from, to) {
      const file = path.join(dir, relative);
      const text = readFileSync(file, 'utf8');
      if (!text.includes(from)) throw new Error(`${relative} does not contain ${from}`);
      writeFileSync(file, text.replace(from, to));
    },
  };
}
