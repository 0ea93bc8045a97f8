import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_SOURCE_BYTES, readSource } from '../../runner/book/read-source.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function temporaryDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lab-read-source-'));
  dirs.push(dir);
  return dir;
}

describe('readSource', () => {
  it('reads a regular file, with Windows line endings as line breaks', () => {
    const file = path.join(temporaryDir(), 'chapter.md');
    writeFileSync(file, '# Title\r\n\r\ntext\r\n');
    expect(readSource(file)).toEqual({ text: '# Title\n\ntext\n' });
  });

  it('refuses a FIFO at once instead of waiting for a writer', () => {
    const file = path.join(temporaryDir(), 'chapter.md');
    execFileSync('mkfifo', [file]);
    expect(readSource(file)).toEqual({ missing: `${file} is a FIFO (named pipe), not a file`, code: 'ENOTFILE' });
  });

  it('refuses a device instead of reading /dev/zero for ever or /dev/null as an empty chapter', () => {
    expect(readSource('/dev/zero')).toEqual({ missing: '/dev/zero is a device, not a file', code: 'ENOTFILE' });
    expect(readSource('/dev/null')).toEqual({ missing: '/dev/null is a device, not a file', code: 'ENOTFILE' });
  });

  it('refuses a Unix socket', async () => {
    const file = path.join(temporaryDir(), 'chapter.md');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(file, resolve));
    try {
      expect(readSource(file)).toEqual({ missing: `${file} is a socket, not a file`, code: 'ENXIO' });
    } finally {
      server.close();
    }
  });

  it('refuses a file larger than a book file may be before reading it', () => {
    const file = path.join(temporaryDir(), 'chapter.md');
    writeFileSync(file, '');
    truncateSync(file, 50 * 1024 * 1024);
    expect(readSource(file)).toEqual({
      missing: `${file} is 50.0 MB, more than the 4 MB a book's file may have; split it`,
      code: 'EFBIG',
    });
    truncateSync(file, MAX_SOURCE_BYTES);
    expect(readSource(file)).toMatchObject({ problem: { line: 1, column: 1, message: expect.stringContaining('NUL byte') } });
  });

  it('says a symbolic link that leads back to itself is a loop', () => {
    const dir = temporaryDir();
    symlinkSync('b.md', path.join(dir, 'a.md'));
    symlinkSync('a.md', path.join(dir, 'b.md'));
    expect(readSource(path.join(dir, 'a.md'))).toEqual({
      missing: `${path.join(dir, 'a.md')} is a symbolic link that leads back to itself (a loop)`,
      code: 'ELOOP',
    });
  });

  it('says a folder is a folder', () => {
    const dir = temporaryDir();
    expect(readSource(dir)).toEqual({ missing: `${dir} is a folder, not a file`, code: 'EISDIR' });
  });

  it('refuses a Unicode line separator and bidirectional controls, which show text other than what runs', () => {
    const file = path.join(temporaryDir(), 'chapter.md');
    writeFileSync(file, '# T\n\necho a\u2028rm -rf x\n');
    expect(readSource(file)).toEqual({
      problem: {
        line: 3,
        column: 7,
        message:
          'This line has U+2028, a Unicode line separator, which bash does not take as a line end though an editor or a browser shows one; remove it',
      },
    });
    writeFileSync(file, 'ok\necho "\u202Eevil"\n');
    expect(readSource(file)).toMatchObject({
      problem: { line: 2, column: 7, message: expect.stringMatching(/^This line has U\+202E, an invisible character that reorders/) },
    });
  });
});
