import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { BASH_VARIABLES, findCaptureNameProblem, formatDuration, parseDuration } from '../../runner/parse/block-grammar.js';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1m30s', 90_000],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '10', 'ten minutes', '5 m', '-1s'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it('writes durations the way the grammar reads them', () => {
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(3_600_000)).toBe('1h');
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(5_000)).toBe('5s');
  });
});

describe('findCaptureNameProblem', () => {
  it('accepts ordinary shell variable names', () => {
    expect(findCaptureNameProblem('JOIN_TOKEN')).toBeUndefined();
    expect(findCaptureNameProblem('_x1')).toBeUndefined();
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', '__lab_rc', 'RANDOM', '1X', 'my-var'])('refuses %s', (name) => {
    expect(findCaptureNameProblem(name)).toBeDefined();
  });

  it('refuses exactly the names real bash does not keep when a step assigns and exports them', () => {
    const script = [...BASH_VARIABLES, 'ORDINARY']
      .map((name) => `( ${name}=lab-value; export ${name}; [ "$(printenv ${name})" = lab-value ] ) 2>/dev/null && echo ${name}`)
      .join('\n');
    const kept = execFileSync('bash', ['-c', script], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(kept).toEqual(['ORDINARY']);
  });
});
