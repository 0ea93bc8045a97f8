/**
 * The command line itself, through the real CLI: help for each command, the version, flags a
 * reader mistypes or gives to the wrong command, JSON for tools, and flags npm takes for itself.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkspace, LAB_BIN, PROJECT_ROOT, type Workspace } from '../helpers/lab.js';

const workspaces: Workspace[] = [];
afterEach(() => {
  for (const workspace of workspaces.splice(0)) rmSync(workspace.dir, { recursive: true, force: true });
});
function workspace(fixture = 'workstation'): Workspace {
  const made = createWorkspace(fixture);
  workspaces.push(made);
  return made;
}

/** npm as a reader runs it: `npm run lab ...` in a project whose lab script is this runner. */
async function npmRunLab(dir: string, args: string[]) {
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'reader', private: true, scripts: { lab: `node ${LAB_BIN}` } }));
  // The outer npm (npm test) must not leak its own settings into the reader's npm.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
  const result = await execa('npm', ['run', 'lab', ...args], {
    cwd: dir,
    reject: false,
    env: { ...env, LAB_OUT: dir, NO_COLOR: '1', CI: '' },
    extendEnv: false,
    stdin: 'ignore',
  });
  return { exitCode: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
}

describe('help and version', () => {
  it('shows one command with only the options it takes for `lab COMMAND --help` and `lab help COMMAND`', async () => {
    const lab = workspace();
    const help = await lab.lab(['preview', '--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/^lab preview: serve the site on localhost/);
    expect(help.stdout).toContain('--port PORT');
    expect(help.stdout).not.toContain('--dry-run');
    expect((await lab.lab(['help', 'preview'])).stdout).toBe(help.stdout);
    const run = await lab.lab(['run', '-h']);
    expect(run.stdout).toContain('--dry-run');
    expect(run.stdout).not.toContain('--port');
  });

  it('says to build the CLI, without a stack trace, when dist/lab.mjs is not there', async () => {
    const lab = workspace();
    mkdirSync(path.join(lab.dir, 'bin'));
    copyFileSync(LAB_BIN, path.join(lab.dir, 'bin/lab.js'));
    const result = await execa(process.execPath, [path.join(lab.dir, 'bin/lab.js'), 'list'], { cwd: lab.dir, reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('lab: the CLI is not built yet (no dist/lab.mjs); run `npm run build:cli` (npm ci and npm run lab do it)');
  });

  it('reports a crash of lab as a bug, exit 70, with its stack but no line of the minified bundle', async () => {
    const lab = workspace();
    mkdirSync(path.join(lab.dir, 'bin'));
    mkdirSync(path.join(lab.dir, 'dist'));
    copyFileSync(LAB_BIN, path.join(lab.dir, 'bin/lab.js'));
    // A bundle whose main crashes the way a bug does, on one long minified line.
    writeFileSync(
      path.join(lab.dir, 'dist/lab.mjs'),
      `export const EXIT={bug:70};export async function main(){const minified="${'x'.repeat(2000)}";return null.version}\n`,
    );
    const result = await execa(process.execPath, [path.join(lab.dir, 'bin/lab.js'), 'list'], { cwd: lab.dir, reject: false });
    expect(result.exitCode).toBe(70);
    expect(result.stderr).toMatch(
      /^lab: internal error \(a bug in lab, not in your book or command\): Cannot read properties of null \(reading 'version'\)\nPlease report it with the lines below\.\nTypeError: .*\n\s+at main \(file:.*dist\/lab\.mjs:1:\d+\)/,
    );
    expect(result.stderr).not.toContain('xxxxxxxxxx');
  });

  it('prints the version from package.json, baked into the build', async () => {
    const { version } = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8'));
    const result = await workspace().lab(['--version']);
    expect(result).toMatchObject({ exitCode: 0, stdout: `lab ${version}` });
  });
});

describe('mistyped and misplaced flags', () => {
  it('answers an unknown flag with the nearest known one, exit 2, nothing run', async () => {
    const lab = workspace();
    const result = await lab.lab(['run', 'chapter-1', '--dry-rn']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('lab: Unknown option `--dry-rn`; did you mean --dry-run? See `lab help` for the options.');
    expect(() => lab.read('journal.txt')).toThrow();
  });

  it('refuses a flag of another command instead of ignoring it', async () => {
    const result = await workspace().lab(['list', '--all']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('lab: `lab list` does not take --all; it is for `run`. See `lab list --help`.');
  });

  it('refuses --port that is no port number, before building anything', async () => {
    const lab = workspace();
    for (const port of ['abc', '99999', '-1']) {
      const result = await lab.lab(['preview', `--port=${port}`]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toBe(`lab: --port takes a port number from 1 to 65535 (or 0 for any free port), not \`${port}\``);
    }
  });
});

describe('--json', () => {
  it('lists the chapters with stable field names', async () => {
    const lab = workspace();
    const result = await lab.lab(['list', '--json']);
    expect(result.exitCode).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json).toMatchObject({ format: 'lab-list/1', title: 'Workstation fixture', book: 'docs/book.yaml' });
    expect(json.chapters[0]).toEqual({
      name: 'chapter-1',
      number: 1,
      title: 'Basics',
      file: 'docs/01-basics.md',
      steps: expect.any(Number),
      passed: 0,
      status: 'not run',
      cleanup: false,
    });
    expect(json.chapters.at(-1)).toMatchObject({ name: 'chapter-3', cleanup: true });
  });

  it('gives the status with secrets as null and the next command', async () => {
    const lab = workspace();
    expect((await lab.lab(['run', 'chapter-1'])).exitCode).toBe(0);
    const result = await lab.lab(['status', '--json']);
    expect(result.exitCode).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json).toMatchObject({ format: 'lab-status/1', state: '.lab', book: 'docs', lastFailure: null });
    expect(json.variables).toContainEqual({ name: 'TOKEN', value: null, secret: true });
    expect(json.variables).toContainEqual({ name: 'HOSTNAME_SEEN', value: 'captured-value', secret: false });
    expect(json.next).toEqual({ chapter: 'chapter-2', title: 'Checks', command: 'lab run chapter-2' });
    expect(result.stdout).not.toContain('abcdef.0123456789abcdef');
  });
});

describe('through npm', () => {
  it('refuses a run whose --dry-run npm took for itself, with the command that works, and runs nothing', async () => {
    const lab = workspace();
    const result = await npmRunLab(lab.dir, ['chapter-1', '--dry-run']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      'lab: npm took --dry-run for itself (it set npm_config_dry_run=true), so lab never saw it; nothing was run.',
    );
    expect(result.stderr).toContain("Put `--` between `npm run lab` and lab's arguments: npm run lab -- chapter-1 --dry-run");
    expect(() => lab.read('journal.txt')).toThrow();
  });

  it('runs what `npm run lab -- ...` asks, and spells every hint as an npm command', async () => {
    const lab = workspace();
    const dry = await npmRunLab(lab.dir, ['--', 'chapter-1', '--dry-run']);
    expect(dry.exitCode).toBe(0);
    expect(() => lab.read('journal.txt')).toThrow();
    const missing = await npmRunLab(lab.dir, ['--', 'run']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain(
      'Name the chapter to run (`npm run lab -- run chapter-3`) or pass --all; `npm run lab -- list` shows the chapters',
    );
    const early = await npmRunLab(lab.dir, ['--', 'chapter-2']);
    expect(early.stderr).toContain('`npm run lab -- run chapter-2 --with-deps`');
    const status = await npmRunLab(lab.dir, ['--', 'status']);
    expect(status.stdout).toContain('Next: npm run lab -- run chapter-1');
  });
});
