import { describe, expect, it } from 'vitest';
import { readBookConfig } from '../../runner/book/book-config.js';

const problems = (text: string) => readBookConfig(text, 'book.yaml').problems.map((p) => `${p.line}:${p.column}: ${p.message}`);

describe('readBookConfig', () => {
  it('reads title, chapters, hosts, variables (plain or described) and cleanup', () => {
    const { config } = readBookConfig(
      [
        'title: A book',
        'chapters: [01-a.md, 02-b.md]',
        'cleanup: 02-b.md',
        'hosts:',
        '  controllers: [controller-0]',
        'vars:',
        '  KUBERNETES_VERSION: 1.34.2',
        '  PORT: 6443',
        '  TOKEN: { default: "", secret: true, description: made in chapter 6 }',
      ].join('\n'),
      'book.yaml',
    );
    expect(config).toEqual({
      title: 'A book',
      chapters: ['01-a.md', '02-b.md'],
      cleanup: '02-b.md',
      appendices: [],
      hosts: { controllers: ['controller-0'] },
      diagnostics: [],
      gce: { project: 'PROJECT_ID', zone: 'ZONE', prefix: 'PREFIX' },
      vars: { KUBERNETES_VERSION: '1.34.2', PORT: '6443', TOKEN: { default: '', secret: true, description: 'made in chapter 6' } },
    });
  });

  it('points at the YAML syntax error', () => {
    expect(problems('title: x\nchapters: [a.md\n')[0]).toMatch(/^\d+:\d+: book.yaml is not valid YAML: /);
  });

  it('says what is required', () => {
    expect(problems('title: x\n')).toEqual(['1:1: `chapters`: is required (a list)']);
  });

  it('points at an unknown key', () => {
    expect(problems('title: x\nchapters: [a.md]\nauthor: me\n')).toEqual([
      '3:1: book.yaml: unknown key `author`; known keys are title, repository, chapters, cleanup, appendices, hosts, diagnostics, gce, vars',
    ]);
  });

  it('points at a bad host name inside a group', () => {
    expect(problems('title: x\nchapters: [a.md]\nhosts:\n  workers: [worker-0, Worker_1]\n')).toEqual([
      '4:23: `hosts.workers.1`: a host name is lowercase letters, digits and -, as GCE instance names are',
    ]);
  });

  it('keeps `all` and `workstation` for the runner', () => {
    expect(problems('title: x\nchapters: [a.md]\nhosts:\n  all: [a]\n')).toEqual([
      '4:3: `hosts.all`: all and workstation are reserved names',
    ]);
  });

  it('rejects a cleanup chapter that is not a chapter', () => {
    expect(problems('title: x\nchapters: [a.md]\ncleanup: z.md\n')).toEqual([
      '3:10: cleanup names `z.md`, which is not in chapters; list it there too (usually last)',
    ]);
  });

  it('rejects a name that is both a group and a host', () => {
    expect(problems('title: x\nchapters: [a.md]\nhosts:\n  web: [web]\n')[0]).toContain('`web` is both a group and a host; rename one');
  });

  it('rejects a variable name bash would not accept', () => {
    expect(problems('title: x\nchapters: [a.md]\nvars:\n  my-var: 1\n')).toEqual([
      '4:3: `vars.my-var`: `my-var` is not a shell variable name; use letters, digits and _, not starting with a digit',
    ]);
  });

  it('refuses variable names a step could never see, as it refuses them for capture=', () => {
    expect(problems('title: x\nchapters: [a.md]\nvars:\n  UID: 1\n  __lab_x: 2\n  toString: 3\n')).toEqual([
      '4:3: `vars.UID`: `UID` is a variable bash sets itself, so the value would not be kept; choose another name',
      "5:3: `vars.__lab_x`: `__lab_x` is the runner's (names starting with __lab are reserved); choose another name",
      '6:3: `vars.toString`: `toString` is a name the runner cannot store (it is special in JavaScript); choose another name',
    ]);
  });

  it('refuses a __proto__ key, which would vanish without a word', () => {
    expect(problems('title: x\nchapters: [a.md]\nvars:\n  __proto__: 1\nhosts:\n  __proto__: [a]\n')).toEqual([
      '4:3: `__proto__` is a name the runner cannot keep (it is special in JavaScript); choose another name',
      '6:3: `__proto__` is a name the runner cannot keep (it is special in JavaScript); choose another name',
    ]);
    expect(problems('title: x\nchapters: [a.md]\nhosts:\n  web: [constructor]\n')).toEqual([
      '4:9: `hosts.web.0`: constructor is a name the runner cannot use (it is special in JavaScript); choose another name',
    ]);
  });

  it('says a value of the wrong type is of the wrong type, not missing, at the value', () => {
    expect(problems('title: 5\nchapters: 01-a.md\nappendices: {a: 1}\nrepository: 7\n')).toEqual([
      '1:8: `title`: must be text, not the number 5',
      '4:13: `repository`: must be text, not the number 7',
      '2:11: `chapters`: must be a list, not the text `01-a.md`',
      '3:13: `appendices`: must be a list, not a map',
    ]);
  });

  it('points inside a variable written as a map at the key that is wrong', () => {
    expect(
      problems(
        'title: x\nchapters: [a.md]\nvars:\n  A: {default: [1]}\n  B: {default: x, secret: yes}\n  C: {secret: true}\n  D: {default: x, note: y}\n  E: [1]\n',
      ),
    ).toEqual([
      '4:16: `vars.A.default`: must be a value (text, a number, true or false), not a list',
      '5:27: `vars.B.secret`: must be true or false, not the text `yes`',
      '6:6: `vars.C.default`: is required (text, a number, true or false)',
      '7:19: `vars.D`: unknown key `note`; known keys are default, description, secret, valid',
      '8:6: `vars.E`: a variable is a value (text, a number, true or false), or a map with default: and optionally description: and secret: true; not a list',
    ]);
  });

  it("reads a variable's valid values, and refuses a pattern that is no regular expression or a default it does not accept", () => {
    const { config } = readBookConfig(
      'title: x\nchapters: [a.md]\nvars:\n  PREFIX:\n    default: lab\n    valid: {pattern: "^[a-z]{1,5}$", message: at most 5 letters}\n',
      'book.yaml',
    );
    expect(config?.vars.PREFIX).toEqual({ default: 'lab', valid: { pattern: '^[a-z]{1,5}$', message: 'at most 5 letters' } });
    expect(
      problems(
        'title: x\nchapters: [a.md]\nvars:\n  A: {default: x, valid: {pattern: "[a-", message: m}}\n  B: {default: toolong, valid: {pattern: "^[a-z]{1,5}$", message: at most 5 letters}}\n  C: {default: x, valid: {pattern: "x"}}\n',
      ),
    ).toEqual([
      expect.stringMatching(/^4:36: `vars.A.valid.pattern`: is not a regular expression: /),
      '5:16: `vars.B.default`: `toolong` is not valid: at most 5 letters',
      '6:26: `vars.C.valid.message`: is required (text)',
    ]);
  });

  it('names the known keys of the map an unknown key is in', () => {
    expect(problems('title: x\nchapters: [a.md]\ndiagnostics: [{title: a, run: b, when: c}]\ngce: {region: r}\n')).toEqual([
      '3:34: `diagnostics.0`: unknown key `when`; known keys are title, run, on',
      '4:7: `gce`: unknown key `region`; known keys are project, zone, prefix',
    ]);
  });

  it('says book.yaml is a map of keys when it is a list, a value or a tagged value', () => {
    expect(problems('- a\n- b\n')).toEqual(['1:1: book.yaml is a map of keys (title:, chapters:, ...), not a list']);
    expect(problems('just text\n')).toEqual(['1:1: book.yaml is a map of keys (title:, chapters:, ...), not the text `just text`']);
    expect(problems('!!binary abc\n')).toEqual([
      '1:10: book.yaml is a map of keys (title:, chapters:, ...), not a Buffer value (a YAML tag such as !!binary)',
    ]);
  });
});

describe('readBookConfig: aliases', () => {
  it('says an alias names no anchor, at the alias, instead of calling it an alias bomb', () => {
    expect(problems('title: x\nchapters: [a.md, *nope]\n')).toEqual([
      '2:18: book.yaml has an alias *nope with no anchor &nope before it; set the anchor first, or write the value out',
    ]);
  });

  it('takes an alias that refers to itself as the value it is, without looping', () => {
    expect(problems('title: x\nchapters: &c [a.md, *c]\n')).toEqual(['2:21: `chapters.1`: must be text, not a list']);
  });
});
