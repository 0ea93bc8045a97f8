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
    expect(problems('title: x\n')).toEqual(['1:1: `chapters`: is required (array)']);
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
    expect(problems('title: x\nchapters: [a.md]\nvars:\n  my-var: 1\n')[0]).toContain('a variable name is letters, digits and _');
  });
});
