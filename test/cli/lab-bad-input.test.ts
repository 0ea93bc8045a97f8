/**
 * Bad input through the real CLI: exit 2, where the problem is and what to do, nothing run,
 * never a stack trace; and a preview server no request can stop.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkspace, type Workspace } from '../helpers/lab.js';

const workspaces: Workspace[] = [];
afterEach(() => {
  for (const workspace of workspaces.splice(0)) rmSync(workspace.dir, { recursive: true, force: true });
});
function workspace(fixture = 'workstation'): Workspace {
  const made = createWorkspace(fixture);
  workspaces.push(made);
  return made;
}

const ALIAS_BOMB = [
  'a: &a [x, x, x, x, x, x, x, x, x]',
  ...Array.from({ length: 8 }, (_, index) => {
    const name = String.fromCharCode(98 + index);
    return `${name}: &${name} [${Array(9)
      .fill(`*${String.fromCharCode(97 + index)}`)
      .join(', ')}]`;
  }),
];

describe('a book that cannot be run', () => {
  it('lists every problem with file:line:col, says nothing was run, and shows no stack trace', async () => {
    const lab = workspace();
    mkdirSync(`${lab.dir}/docs/folder.md`);
    lab.edit('docs/book.yaml', '  - 02-checks.md', '  - folder.md');
    lab.edit('docs/book.yaml', '  - 01-basics.md', '  - ../outside.md\n  - 01-basics.md');
    writeFileSync(`${lab.dir}/outside.md`, '```sh {sh}\necho outside > escaped.txt\n```\n');
    const result = await lab.lab(['run', '--all']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr).toContain("docs/book.yaml:4:5: `../outside.md`, listed in chapters, is outside the book's folder");
    expect(result.stderr).toContain(
      `docs/book.yaml:6:5: \`folder.md\`, listed in chapters, cannot be read: ${lab.dir}/docs/folder.md is a folder, not a file`,
    );
    expect(result.stderr).toContain('lab: 2 problems in the book; nothing was run.');
    expect(() => lab.read('escaped.txt')).toThrow();
  });

  it('refuses a FIFO or a device where a chapter should be at once, instead of waiting for ever', async () => {
    const lab = workspace();
    rmSync(`${lab.dir}/docs/02-checks.md`);
    execFileSync('mkfifo', [`${lab.dir}/docs/02-checks.md`]);
    symlinkSync('/dev/zero', `${lab.dir}/docs/03-cleanup.md`.replace('03-cleanup', 'zero'));
    lab.edit('docs/book.yaml', '  - 03-cleanup.md', '  - 03-cleanup.md\n  - zero.md');
    // Before, reading the FIFO waited for a writer for ever: the run is bounded and then killed.
    const running = lab.start(['list']);
    const timer = setTimeout(() => running.kill('SIGKILL'), 20_000);
    const result = await running.finally(() => clearTimeout(timer));
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      `docs/book.yaml:5:5: \`02-checks.md\`, listed in chapters, cannot be read: ${lab.dir}/docs/02-checks.md is a FIFO (named pipe), not a file; list a Markdown file`,
    );
    expect(result.stderr).toContain(
      "docs/book.yaml:7:5: `zero.md`, listed in chapters, leads outside the book's folder through a link (to /dev/zero)",
    );
  });

  it('refuses a chapter with an unclosed fence instead of running its prose', async () => {
    const lab = workspace();
    const chapter = lab.read('docs/01-basics.md');
    lab.write('docs/01-basics.md', `${chapter}\nThe last step:\n\n\`\`\`sh {sh}\necho last\n\nProse, not a command: rm -rf journal.txt\n`);
    const result = await lab.lab(['run', 'chapter-1']);
    expect(result.exitCode).toBe(2);
    const line = chapter.split('\n').length + 3;
    expect(result.stderr).toMatch(new RegExp(`^docs/01-basics\\.md:${line}:1: This \`\`\` fence is never closed`));
    expect(() => lab.read('journal.txt')).toThrow();
  });
});

describe('a hosts file that cannot be used', () => {
  it('names the hosts file, not the book, for a YAML alias bomb', async () => {
    const lab = workspace('fleet');
    lab.write('hosts.yaml', `hosts: {}\n${ALIAS_BOMB.join('\n')}\n`);
    const result = await lab.lab(['run', 'chapter-1', '--inventory', 'hosts.yaml']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^hosts\.yaml:3:\d+: The hosts file has aliases \(\*name\) that expand to too much/);
    expect(result.stderr).toContain('lab: 1 problem in the hosts file hosts.yaml; nothing was run.');
    expect(result.stderr).not.toContain('in the book');
  });

  it('says the hosts file is a folder', async () => {
    const lab = workspace('fleet');
    mkdirSync(`${lab.dir}/hosts.yaml`);
    const result = await lab.lab(['run', 'chapter-1', '--inventory', 'hosts.yaml']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(
      /hosts\.yaml:1:1: hosts\.yaml is a folder, not a file; pass --inventory FILE\.yaml, a file with a hosts: map/,
    );
  });
});

describe('a place to write that cannot be written', () => {
  it('refuses --state naming a file, for every command that keeps state, with nothing run', async () => {
    const lab = workspace();
    lab.write('state.txt', 'mine\n');
    for (const command of [['run', 'chapter-1'], ['reset'], ['list'], ['status']]) {
      const result = await lab.lab([...command, '--state', 'state.txt']);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toBe(
        'lab: --state state.txt: it is a file; the state (progress, variables, logs) is a folder: name a folder (new or old) instead',
      );
    }
    const inside = await lab.lab(['run', 'chapter-1', '--state', 'state.txt/lab']);
    expect(inside.stderr).toBe(
      `lab: --state state.txt/lab: ${lab.dir}/state.txt is a file, so no folder can be made in it; the state (progress, variables, logs) is a folder: name a folder (new or old) instead`,
    );
    expect(lab.read('state.txt')).toBe('mine\n');
  });

  it("refuses --state naming someone else's folder, whose logs/ `lab reset` would delete", async () => {
    const lab = workspace();
    mkdirSync(`${lab.dir}/logs`);
    lab.write('logs/app.log', 'mine\n');
    const result = await lab.lab(['reset', '--state', '.']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(
      "lab: --state .: it holds files that are not lab's (docs, snippets) and no lab state; lab would write, and `lab reset` delete, its logs/ there: name a new folder, such as .lab",
    );
    expect(lab.read('logs/app.log')).toBe('mine\n');
    // A folder lab made stays usable after a reset, as a new or empty one is.
    mkdirSync(`${lab.dir}/state`);
    for (const command of [['run', 'chapter-1'], ['reset'], ['run', 'chapter-1']]) {
      expect((await lab.lab([...command, '--state', 'state'])).exitCode).toBe(0);
    }
  });

  it('refuses --report naming a folder before the run, so no run ends without its report', async () => {
    const lab = workspace();
    mkdirSync(`${lab.dir}/run.json`);
    const result = await lab.lab(['run', 'chapter-1', '--report', 'run.json']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('lab: --report run.json: it is a folder; name a file (new or old) in a folder you can write');
    expect(() => lab.read('.lab/state.json')).toThrow();
  });
});

describe('the site', () => {
  it('refuses to build over the book or the project that holds it', async () => {
    const lab = workspace();
    for (const out of ['docs', '.', '']) {
      const result = await lab.lab(['build', '--out', out]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toMatch(/^lab: --out /);
    }
    expect((await lab.lab(['build', '--out', 'docs'])).stderr).toBe(
      "lab: --out docs: it is the book's folder, and the site's index.html, assets/ and pages would be written among your files; name a folder of its own, such as site",
    );
    expect((await lab.lab(['build', '--out', '.'])).stderr).toBe(
      "lab: --out .: it holds the book (docs), and the site's index.html, assets/ and pages would be written among your files; name a folder of its own, such as site",
    );
    expect(() => lab.read('index.html')).toThrow();
    expect(() => lab.read('docs/index.html')).toThrow();
  });

  it('refuses `lab build --out` naming a file, and leaves the file alone', async () => {
    const lab = workspace();
    lab.write('notes.txt', 'mine\n');
    const result = await lab.lab(['build', '--out', 'notes.txt']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('lab: --out notes.txt: it is a file; the site is a folder of pages: name a folder (new or old) instead');
    const inside = await lab.lab(['build', '--out', 'notes.txt/site']);
    expect(inside.exitCode).toBe(2);
    expect(inside.stderr).toBe(
      `lab: --out notes.txt/site: ${lab.dir}/notes.txt is a file, so no folder can be made in it; the site is a folder of pages: name a folder (new or old) instead`,
    );
    expect(readFileSync(`${lab.dir}/notes.txt`, 'utf8')).toBe('mine\n');
  });

  it('refuses a port in use with exit 2 and what to do', async () => {
    const lab = workspace();
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const result = await lab.lab(['preview', '--port', String(port)]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toBe(
        `lab: Port ${port} on 127.0.0.1 is in use by another program; pass another with --port, or --port 0 for any free one`,
      );
    } finally {
      taken.close();
    }
  });

  it('answers a request with broken percent-encoding with 400 and goes on serving', async () => {
    const lab = workspace();
    const preview = lab.start(['preview', '--port', '0']);
    let output = '';
    preview.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    for (let i = 0; i < 200 && !/127\.0\.0\.1:\d+/.test(output); i++) await sleep(100);
    const port = /127\.0\.0\.1:(\d+)/.exec(output)?.[1];
    expect(port).toBeDefined();
    try {
      for (const bad of ['/%', '/%E0%A4%A']) {
        expect((await fetch(`http://127.0.0.1:${port}${bad}`)).status).toBe(400);
      }
      expect((await fetch(`http://127.0.0.1:${port}/02-checks.html`)).status).toBe(200);
    } finally {
      preview.kill('SIGINT');
    }
    expect((await preview).exitCode).toBe(0);
  });
});
