/**
 * The `hosts` inventory (`--inventory FILE.yaml`), for readers on their own machines and for
 * tests:
 *
 *     hosts:
 *       controller-0: { address: 10.0.0.5, port: 22, user: debian, identity: ~/.ssh/id_ed25519 }
 *
 * Groups come from book.yaml; this file only says where each host is.
 */
import os from 'node:os';
import path from 'node:path';
import * as z from 'zod/mini';
import type { Problem } from '../../book/problems.js';
import { ProblemsError } from '../../book/problems.js';
import { parseYaml } from '../../book/parse-yaml.js';
import { readSource } from '../../book/read-source.js';
import { InventoryError, type HostAddress, type Inventory } from './inventory.js';

const hostSchema = z.strictObject({
  address: z.string().check(z.minLength(1, 'give the address to connect to')),
  port: z.optional(z.number().check(z.int(), z.gte(1), z.lte(65535))),
  user: z.optional(z.string()),
  identity: z.optional(z.string()),
});

const fileSchema = z.strictObject({ hosts: z.record(z.string(), hostSchema) });

export function readHostsFile(file: string, bookHosts: readonly string[]): Inventory {
  const fail = (problems: Problem[]) => new ProblemsError(problems, `the hosts file ${file}`);
  const source = readSource(file);
  if ('missing' in source) {
    throw fail([
      {
        file: path.resolve(file),
        line: 1,
        column: 1,
        message: `${source.missing}; pass --inventory FILE.yaml, a file with a hosts: map`,
        rule: 'no-inventory',
      },
    ]);
  }
  if ('problem' in source) throw fail([{ file: path.resolve(file), ...source.problem, rule: 'bad-inventory' }]);
  const yaml = parseYaml(source.text);
  const problem = (offset: number, message: string): Problem => {
    const { line, col } = yaml.at(offset);
    return { file: path.resolve(file), line, column: col, message, rule: 'bad-inventory' };
  };
  if ('errors' in yaml) throw fail(yaml.errors.map((error) => problem(error.offset, `The hosts file ${error.message}`)));
  const { document } = yaml;
  const parsed = fileSchema.safeParse(yaml.value);
  if (!parsed.success) {
    throw fail(
      parsed.error.issues.map((issue) => {
        const node = document.getIn(issue.path, true) as { range?: [number, number] } | undefined;
        return problem(node?.range?.[0] ?? 0, `\`${issue.path.join('.') || 'hosts'}\`: ${issue.message}`);
      }),
    );
  }
  const unknown = Object.keys(parsed.data.hosts).filter((host) => !bookHosts.includes(host));
  if (unknown.length > 0) {
    throw fail(
      unknown.map((host) => {
        const pair = document.getIn(['hosts', host], true) as { range?: [number, number] } | undefined;
        return problem(pair?.range?.[0] ?? 0, `\`${host}\` is no host of the book; its hosts are ${bookHosts.join(', ')}`);
      }),
    );
  }
  const hosts = parsed.data.hosts;
  return {
    describe: () => file,
    knownUpFront: true,
    async resolve(host): Promise<HostAddress> {
      const entry = hosts[host];
      if (!entry) throw new InventoryError(`${host} is not in the inventory ${file}; add it under hosts: with its address`);
      return {
        host,
        address: entry.address,
        ...(entry.port ? { port: entry.port } : {}),
        ...(entry.user ? { user: entry.user } : {}),
        ...(entry.identity ? { identity: expandHome(entry.identity) } : {}),
      };
    },
  };
}

function expandHome(file: string): string {
  return file.startsWith('~/') ? path.join(os.homedir(), file.slice(2)) : file;
}
