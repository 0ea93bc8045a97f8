import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseDeclareExports } from '../../runner/execute/parse-declare.js';

describe('parseDeclareExports', () => {
  it('reads back exactly what bash exported, whatever the value holds', () => {
    const values = {
      PLAIN: 'blue',
      QUOTES: 'say "hi" it\'s $HOME `now` \\ done',
      LINES: 'first\nsecond\n',
      CONTROL: 'tab\there\x01bell\x07esc\x1b',
      UNICODE: 'café ☸',
      EMPTY: '',
    };
    const output = execFileSync('bash', ['-c', 'declare -px'], { env: { ...values, PATH: process.env.PATH }, encoding: 'utf8' });
    expect(parseDeclareExports(output)).toMatchObject(values);
  });

  it('leaves out a variable exported without a value', () => {
    const output = execFileSync('bash', ['-c', 'export NOVALUE; declare -px'], { encoding: 'utf8' });
    expect(parseDeclareExports(output)).not.toHaveProperty('NOVALUE');
  });
});

describe('parseDeclareExports and names like Object properties', () => {
  it('reads a variable named __proto__ as its own entry', () => {
    const env = parseDeclareExports('declare -x __proto__="kept"\n');
    expect(Object.hasOwn(env, '__proto__')).toBe(true);
    expect(env.__proto__).toBe('kept');
  });
});
