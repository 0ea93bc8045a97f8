import { mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BookError } from '../../../runner/book/problems.js';
import { readHostsFile } from '../../../runner/execute/inventories/hosts-file.js';

const BOOK_HOSTS = ['controller-0', 'worker-0'];

function hostsFile(text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'lab-inventory-')), 'hosts.yaml');
  writeFileSync(file, text);
  return file;
}

function problems(text: string): string[] {
  try {
    readHostsFile(hostsFile(text), BOOK_HOSTS);
    return [];
  } catch (error) {
    return (error as BookError).problems.map((p) => `${p.line}:${p.column}: ${p.message}`);
  }
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
});
