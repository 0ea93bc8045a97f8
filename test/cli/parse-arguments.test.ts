import { describe, expect, it } from 'vitest';
import { findNearest } from '../../runner/cli/find-nearest.js';
import { formatHelp, parseArguments } from '../../runner/cli/parse-arguments.js';
import { findFlagsNpmTook, refuseFlagsNpmTook } from '../../runner/cli/refuse-npm-flags.js';
import { respellCommands, spellCommand } from '../../runner/cli/spell-command.js';

const npm = { npm_lifecycle_event: 'lab', npm_config_global_prefix: '/usr', npm_config_prefix: '/usr', npm_config_yes: '' };

describe('parseArguments', () => {
  it('passes --json through for list, status and check', () => {
    for (const command of ['list', 'status', 'check']) expect(parseArguments([command, '--json']).json).toBe(true);
  });

  it("reads `lab COMMAND --help` and `lab help COMMAND` as that command's help", () => {
    expect(parseArguments(['janitor', '--help'])).toMatchObject({ command: 'help', helpFor: 'janitor' });
    expect(parseArguments(['help', 'janitor'])).toMatchObject({ command: 'help', helpFor: 'janitor' });
    expect(parseArguments(['--help'])).toMatchObject({ command: 'help' });
    expect(parseArguments(['--help']).helpFor).toBeUndefined();
  });

  it('answers help for a command that does not exist with the nearest one', () => {
    expect(() => parseArguments(['help', 'janitr'])).toThrow('There is no command `janitr` (did you mean `janitor`?)');
  });

  it('answers a mistyped command with the nearest one instead of looking for a chapter of that name', () => {
    expect(() => parseArguments(['lsit'])).toThrow('There is no command `lsit` (did you mean `lab list`?)');
    expect(parseArguments(['03-network'])).toMatchObject({ command: 'run', chapters: ['03-network'] });
  });

  it('takes --port 0 (any free port) and refuses what no port is', () => {
    expect(parseArguments(['preview', '--port', '0']).port).toBe(0);
    for (const port of ['65536', '4e3', ' 80'])
      expect(() => parseArguments(['preview', '--port', port])).toThrow('--port takes a port number');
    expect(() => parseArguments(['preview', '--port', ''])).toThrow('--port was given an empty value');
  });

  it('refuses a flag that holds one value given twice with different values, instead of taking the last', () => {
    expect(() => parseArguments(['run', 'chapter-1', '--book', 'a', '--book=b'])).toThrow(
      '--book is given twice, as `a` and `b`; give it once',
    );
    expect(parseArguments(['run', 'chapter-1', '--parallel', '2', '--parallel', '2']).parallel).toBe(2);
    expect(parseArguments(['run', 'chapter-1', '--report', 'a.json', '--report', 'b.xml']).reports).toEqual(['a.json', 'b.xml']);
  });

  it('refuses an empty value instead of reading it as the flag left out (--inventory "" would mean GCE)', () => {
    expect(() => parseArguments(['run', 'chapter-1', '--inventory', ''])).toThrow(
      '--inventory was given an empty value (an unset variable?); give it a value, or leave the flag out',
    );
    expect(() => parseArguments(['janitor', '--prefix='])).toThrow('--prefix was given an empty value');
  });

  it('refuses words after a command that takes none', () => {
    expect(() => parseArguments(['list', 'chapter-3'])).toThrow('`lab list` takes no arguments, but was given `chapter-3`');
  });

  it('lists in `lab help` every command and option, and per command only its options', () => {
    const overview = formatHelp();
    for (const word of ['lab run CHAPTER...', 'lab janitor [--yes]', '--tunnel-through-iap', '--json', '--version'])
      expect(overview).toContain(word);
    expect(formatHelp('list')).toContain('--json');
    expect(formatHelp('list')).not.toContain('--dry-run');
  });
});

describe('findNearest', () => {
  it('finds a flag with a letter missing, extra, wrong or two swapped', () => {
    const flags = ['--dry-run', '--restart', '--with-deps', '--prove-checks'];
    expect(findNearest('--dryrun', flags)).toBe('--dry-run');
    expect(findNearest('--restrat', flags)).toBe('--restart');
    expect(findNearest('--with-dep', flags)).toBe('--with-deps');
  });

  it('suggests nothing for a word that is no near miss', () => {
    expect(findNearest('--colour', ['--dry-run', '--restart'])).toBeUndefined();
  });
});

describe('flags npm took for itself', () => {
  it("finds lab's switches and values in npm_config_*, but not npm's own prefix", () => {
    expect(findFlagsNpmTook({ ...npm, npm_config_dry_run: 'true', npm_config_report: 'run.json' })).toEqual([
      { name: 'dry-run', value: 'true' },
      { name: 'report', value: 'run.json' },
    ]);
    expect(findFlagsNpmTook(npm)).toEqual([]);
    expect(findFlagsNpmTook({ ...npm, npm_config_prefix: 'kubeadm-lab' })).toEqual([{ name: 'prefix', value: 'kubeadm-lab' }]);
  });

  it('says only when npm ran lab, and gives the command that works', () => {
    expect(() => refuseFlagsNpmTook(['chapter-2'], { npm_lifecycle_event: 'test', npm_config_dry_run: 'true' })).not.toThrow();
    expect(() => refuseFlagsNpmTook(['chapter-2'], { ...npm, npm_config_dry_run: 'true', npm_config_restart: 'true' })).toThrow(
      "Put `--` between `npm run lab` and lab's arguments: npm run lab -- chapter-2 --restart --dry-run",
    );
  });

  it('says where a value npm left among the arguments went, when it took the flag as a switch', () => {
    expect(() => refuseFlagsNpmTook(['chapter-2', 'hosts.yaml'], { ...npm, npm_config_inventory: 'true' })).toThrow(
      'npm run lab -- ARGUMENTS --inventory VALUE\n(with each flag right before its value; npm left the values among the arguments: chapter-2 hosts.yaml)',
    );
  });
});

describe('spellCommand', () => {
  it('spells commands as the reader runs lab', () => {
    expect(spellCommand('run chapter-3', { npm_lifecycle_event: 'lab' })).toBe('npm run lab -- run chapter-3');
    expect(spellCommand('run chapter-3', {})).toBe('lab run chapter-3');
    expect(respellCommands('run `lab reset`', { npm_lifecycle_event: 'lab' })).toBe('run `npm run lab -- reset`');
    expect(respellCommands('run `lab reset`', {})).toBe('run `lab reset`');
  });
});
