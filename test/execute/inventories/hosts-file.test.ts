import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ProblemsError } from '../../../runner/book/problems.js';
import { readHostsFile } from '../../../runner/execute/inventories/hosts-file.js';

const BOOK_HOSTS = ['controller-0', 'worker-0'];

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function hostsFile(text: string | Buffer): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lab-inventory-'));
  made.push(dir);
  const file = path.join(dir, 'hosts.yaml');
  writeFileSync(file, text);
  return file;
}

function thrown(text: string | Buffer): ProblemsError {
  try {
    readHostsFile(hostsFile(text), BOOK_HOSTS);
  } catch (error) {
    return error as ProblemsError;
  }
  throw new Error('readHostsFile accepted the file');
}

function problems(text: string | Buffer): string[] {
  return thrown(text).problems.map((p) => `${p.line}:${p.column}: ${p.message}`);
}

describe('readHostsFile', () => {
  it('resolves hosts with their port, user and identity (~ expanded)', async () => {
    const inventory = readHostsFile(
      hostsFile(
        'hosts:\n  controller-0: { address: 10.0.0.5, port: 2222, user: debian, identity: ~/.ssh/id_ed25519 }\n  worker-0: { address: 10.0.0.6 }\n',
      ),
      BOOK_HOSTS,
    );
    expect(await inventory.resolve('controller-0')).toEqual({
      host: 'controller-0',
      address: '10.0.0.5',
      port: 2222,
      user: 'debian',
      identity: path.join(homedir(), '.ssh/id_ed25519'),
    });
    expect(await inventory.resolve('worker-0')).toEqual({ host: 'worker-0', address: '10.0.0.6' });
  });

  it('says what to do about a host the file leaves out', async () => {
    const file = hostsFile('hosts:\n  controller-0: { address: 10.0.0.5 }\n');
    await expect(readHostsFile(file, BOOK_HOSTS).resolve('worker-0')).rejects.toThrow(
      `worker-0 is not in the inventory ${file}; add it under hosts: with its address`,
    );
  });

  it('points at a host the book does not have', () => {
    expect(problems('hosts:\n  controller-0: { address: a }\n  worker-9: { address: b }\n')).toEqual([
      '3:13: `worker-9` is no host of the book; its hosts are controller-0, worker-0',
    ]);
  });

  it('points at a bad port', () => {
    expect(problems('hosts:\n  controller-0: { address: a, port: 70000 }\n')[0]).toMatch(/^2:\d+: `hosts.controller-0.port`: /);
  });

  it('points at an unknown key', () => {
    expect(problems('hosts:\n  controller-0: { address: a, password: x }\n')[0]).toContain('`hosts.controller-0`');
  });

  it('says the problems are in the hosts file, not in the book, exit status 2', () => {
    const error = thrown('hosts:\n  worker-9: { address: b }\n');
    expect(error.exitCode).toBe(2);
    expect(error.describe()).toMatch(/\nlab: 1 problem in the hosts file .*hosts\.yaml; nothing was run\.$/);
  });

  it('refuses a YAML alias bomb at its first alias without expanding it', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let level = 1; level < 9; level++) {
      bomb.push(
        `${String.fromCharCode(97 + level)}: &${String.fromCharCode(97 + level)} [${Array(9)
          .fill(`*${String.fromCharCode(96 + level)}`)
          .join(', ')}]`,
      );
    }
    expect(problems(`hosts: {}\n${bomb.join('\n')}\n`)).toEqual([
      expect.stringMatching(/^3:\d+: The hosts file has aliases \(\*name\) that expand to too much/),
    ]);
  });

  it('reads a hosts file with Windows line endings, and refuses one that is not UTF-8 at its line', async () => {
    const inventory = readHostsFile(hostsFile('hosts:\r\n  worker-0: { address: 10.0.0.6 }\r\n'), BOOK_HOSTS);
    expect(await inventory.resolve('worker-0')).toEqual({ host: 'worker-0', address: '10.0.0.6' });
    expect(problems(Buffer.concat([Buffer.from('hosts:\n  worker-0: { address: '), Buffer.from([0xff]), Buffer.from(' }\n')]))).toEqual([
      '2:24: This line has bytes that are not UTF-8; save the file as UTF-8 (the runner does not guess an encoding)',
    ]);
  });
});
