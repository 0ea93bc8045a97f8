import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Book, VariableDefinition } from '../../runner/book/types.js';
import { startVariables } from '../../runner/execute/variables.js';
import { EXIT, LabError } from '../../runner/errors.js';

const valid = { pattern: '^[a-z][-a-z0-9]{0,23}$', message: 'at most 24 characters' };

function bookWith(vars: VariableDefinition[]): Book {
  const dir = path.resolve('docs');
  return {
    dir,
    root: path.dirname(dir),
    title: 'T',
    chapters: [],
    appendices: [],
    groups: {},
    hosts: [],
    vars,
    diagnostics: [],
    gce: { project: 'P', zone: 'Z', prefix: 'PREFIX' },
  };
}

const noState = { vars: {}, secret: [] };

describe('startVariables', () => {
  const book = bookWith([
    { name: 'PREFIX', default: 'kubeadm-lab', secret: false, valid },
    { name: 'TOKEN', default: '', secret: true, valid: { pattern: '^[a-z0-9]{6}$', message: 'six characters' } },
  ]);

  it('takes a value from the environment that the book accepts, and an empty one', () => {
    expect(startVariables(book, noState, { PREFIX: 'my-lab' }).values.get('PREFIX')).toBe('my-lab');
    expect(startVariables(book, noState, { PREFIX: '' }).values.get('PREFIX')).toBe('');
  });

  it('refuses a value from the environment that book.yaml says is not valid: exit 2, where the rule is, and what to do', () => {
    const refuse = () => startVariables(book, noState, { PREFIX: 'a-prefix-longer-than-twenty-four' });
    expect(refuse).toThrow(LabError);
    try {
      refuse();
    } catch (error) {
      expect((error as LabError).exitCode).toBe(EXIT.badInput);
      expect((error as LabError).message).toBe(
        'PREFIX="a-prefix-longer-than-twenty-four" is not valid: at most 24 characters (docs/book.yaml, vars.PREFIX.valid); ' +
          "set PREFIX to a valid value, or unset it to use the book's default",
      );
    }
  });

  it('refuses an invalid value kept in the state with `lab reset` as the way out', () => {
    expect(() => startVariables(book, { vars: { PREFIX: 'Upper' }, secret: [] }, {})).toThrow(/run `lab reset`/);
  });

  it('never shows the value of a secret variable it refuses', () => {
    expect(() => startVariables(book, noState, { TOKEN: 'hunter2-secret' })).toThrow(/^TOKEN is not valid: six characters/);
    expect(() => startVariables(book, noState, { TOKEN: 'hunter2-secret' })).not.toThrow(/hunter2/);
  });
});
