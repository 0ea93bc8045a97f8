import { describe, expect, it } from 'vitest';
import { checkGcloudArgs, loadGcloudTree, type GcloudTree } from '../../runner/lint/gcloud-tree.js';

/** A slice of the real tree's shape, so these rules hold whatever gcloud is installed. */
const tree: GcloudTree = {
  flags: { '--project': 'value', '--quiet': 'bool', '--format': 'value', '--help': 'bool' },
  commands: {
    compute: {
      flags: {},
      commands: {
        ssh: { flags: { '--zone': 'dynamic', '--command': 'value', '--tunnel-through-iap': 'bool' }, commands: {} },
        networks: { flags: {}, commands: { create: { flags: { '--subnet-mode': ['auto', 'custom', 'legacy'] }, commands: {} } } },
        instances: {
          flags: {},
          commands: { list: { flags: { '--zones': 'value', '--filter': 'value' }, commands: {} } },
        },
      },
    },
  },
};

describe('checkGcloudArgs', () => {
  it('accepts a known command with its own and global flags, in both forms', () => {
    expect(checkGcloudArgs(tree, ['compute', 'ssh', 'vm-1', '--zone', 'z', '--command=true', '--project', 'p', '--quiet'])).toEqual([]);
  });

  it('takes the word after a flag with a value as that value, not a command', () => {
    expect(checkGcloudArgs(tree, ['compute', 'instances', 'list', '--filter', 'name ~ ^x-', '--format', 'json'])).toEqual([]);
  });

  it('accepts --no- forms of boolean flags only', () => {
    expect(checkGcloudArgs(tree, ['compute', 'ssh', 'vm', '--no-tunnel-through-iap'])).toEqual([]);
    expect(checkGcloudArgs(tree, ['compute', 'ssh', 'vm', '--no-zone'])).toEqual([
      { index: 3, message: '`gcloud compute ssh` has no flag --no-zone', rule: 'gcloud-command' },
    ]);
  });

  it('names a flag the command does not have', () => {
    expect(checkGcloudArgs(tree, ['compute', 'ssh', 'vm', '--zones', 'z'])).toEqual([
      { index: 3, message: '`gcloud compute ssh` has no flag --zones', rule: 'gcloud-command' },
    ]);
  });

  it('names a command that does not exist, and the ones that do', () => {
    expect(checkGcloudArgs(tree, ['compute', 'instance', 'list'])).toEqual([
      {
        index: 1,
        message: '`gcloud compute instance` is no gcloud command; `gcloud compute` has instances, networks, ssh',
        rule: 'gcloud-command',
      },
    ]);
  });

  it('says a group needs a command', () => {
    expect(checkGcloudArgs(tree, ['compute', 'instances'])).toEqual([
      { index: 2, message: '`gcloud compute instances` is a command group; name one of its commands: list', rule: 'gcloud-command' },
    ]);
  });
});

describe('checkGcloudArgs: values', () => {
  it('wants a literal value of a flag with choices to be one of them, in any case, as gcloud takes it', () => {
    expect(checkGcloudArgs(tree, ['compute', 'networks', 'create', 'n', '--subnet-mode', 'CUSTOM'])).toEqual([]);
    expect(checkGcloudArgs(tree, ['compute', 'networks', 'create', 'n', '--subnet-mode=\0'])).toEqual([]);
    expect(checkGcloudArgs(tree, ['compute', 'networks', 'create', 'n', '--subnet-mode', 'manual'])).toEqual([
      {
        index: 5,
        message: '`gcloud compute networks create --subnet-mode` takes auto, custom, legacy, not `manual`',
        rule: 'gcloud-value',
      },
    ]);
    expect(checkGcloudArgs(tree, ['compute', 'networks', 'create', 'n', '--subnet-mode=manual'])[0]?.index).toBe(4);
  });
});

describe('loadGcloudTree', () => {
  it('finds nothing where gcloud is not on PATH', () => {
    expect(loadGcloudTree('/nonexistent')).toBeUndefined();
  });

  it.runIf(loadGcloudTree())('reads the installed gcloud tree, which knows compute ssh', () => {
    const real = loadGcloudTree()!;
    expect(real.commands.compute?.commands.ssh?.flags['--tunnel-through-iap']).toBe('bool');
    expect(checkGcloudArgs(real, ['compute', 'ssh', 'vm', '--zone', 'z', '--project', 'p', '--quiet', '--command', 'bash -s'])).toEqual([]);
  });
});

describe('checkGcloudArgs with words known only at run time', () => {
  it('stops at an unknown word where a group expects a command, and reads one after a command as a value', () => {
    expect(checkGcloudArgs(tree, ['compute', '\0', '--anything'])).toEqual([]);
    expect(checkGcloudArgs(tree, ['compute', 'ssh', '\0-vm', '--nope'])).toEqual([
      { index: 3, message: '`gcloud compute ssh` has no flag --nope', rule: 'gcloud-command' },
    ]);
  });
});
