import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { listInstancesArgs } from '../../../runner/execute/inventories/gce.js';

const settings = { project: 'p', zone: 'z', user: 'u', identity: '/k' };

/** gcloud's own filter engine, offline: it filters the local configurations (there is `default`). */
function gcloudKeeps(filter: string): boolean {
  const names = execFileSync('gcloud', ['config', 'configurations', 'list', '--filter', filter, '--format', 'value(name)'], {
    encoding: 'utf8',
  });
  return names.split('\n').includes('default');
}

describe('listInstancesArgs', () => {
  it('asks gcloud for the instances named with the prefix, in a filter gcloud reads as one anchored regex', () => {
    const args = listInstancesArgs({ ...settings, prefix: 'lab' });
    const filter = args[args.indexOf('--filter') + 1]!;
    expect(filter).toBe("name ~ '^lab-'");
    // The same filter shape, judged by gcloud on a name it can see.
    expect(gcloudKeeps(filter.replace('^lab-', '^defaul'))).toBe(true);
    expect(gcloudKeeps(filter.replace('^lab-', '^(nothing|defaul)t$'))).toBe(true);
    expect(gcloudKeeps(filter.replace('^lab-', '^efault'))).toBe(false);
  });
});
