import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FileStep } from '../../runner/book/types.js';
import { buildStepScript, substituteFileVariables } from '../../runner/execute/build-script.js';
import { spawnTree } from '../../runner/execute/spawn-tree.js';

const fileStep = (overrides: Partial<FileStep>): FileStep => ({
  kind: 'file',
  id: 'f',
  index: 1,
  chapter: 'chapter-1',
  title: 'Write',
  position: { file: 'x.md', line: 1, column: 1 },
  target: ['workstation'],
  timeoutMs: 1000,
  retries: 0,
  optional: false,
  secret: false,
  root: false,
  hash: 'h',
  uses: [],
  lang: 'yaml',
  meta: '',
  path: '/tmp/x',
  content: '',
  ...overrides,
});

describe('substituteFileVariables', () => {
  it('replaces ${NAME} and leaves $NAME and \\${NAME} as written', () => {
    expect(substituteFileVariables('a: ${A}\nb: $A\nc: \\${A}\n', new Map([['A', '1']]))).toBe('a: 1\nb: $A\nc: \\${A}\n');
  });

  it('names every variable that is not set', () => {
    expect(() => substituteFileVariables('${A} ${B} ${A}', new Map())).toThrow('uses ${A}, ${B}, which are not set');
  });
});

describe('a file step script', () => {
  it('writes the exact content, quotes and newlines included, with the mode asked for', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lab-file-'));
    const content = 'it\'s "quoted" \\ and $not_expanded `nor this`\n\ttab\n${NAME}\n';
    const target = path.join(dir, 'deep/er/file.conf');
    const script = buildStepScript(fileStep({ path: target, content, mode: '0640' }), new Map([['NAME', 'value with spaces']]));
    const result = await spawnTree('bash', ['-c', script]);
    expect(result.stderr).toBe('');
    expect(readFileSync(target, 'utf8')).toBe(content.replace('${NAME}', 'value with spaces'));
    expect(statSync(target).mode & 0o777).toBe(0o640);
  });

  it('keeps bash line numbers equal to the block line numbers plus one', () => {
    const script = buildStepScript({ ...fileStep({}), kind: 'sh', script: 'echo hi', exit: 0, everyMs: 1 } as never, new Map());
    expect(script.split('\n')[1]).toBe('echo hi');
  });
});
