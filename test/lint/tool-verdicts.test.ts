/** Tool verdicts kept between checks: per tool build, in the user's cache, robust to a bad file. */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openToolVerdicts } from '../../runner/lint/tool-verdicts.js';

const dirs: string[] = [];
const temporary = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lab-verdicts-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('openToolVerdicts', () => {
  it('gives back what was saved, for the same tool build only', () => {
    const dir = temporary();
    const tool = path.join(dir, 'kubectl');
    writeFileSync(tool, 'one build');
    const cache = path.join(dir, 'cache');
    const first = openToolVerdicts(tool, 'test 1', cache);
    first.set('get\0pods\0--bogus', 'unknown flag: --bogus');
    first.set('get\0pods', null);
    first.save();
    const second = openToolVerdicts(tool, 'test 1', cache);
    expect(second.get('get\0pods\0--bogus')).toBe('unknown flag: --bogus');
    expect(second.get('get\0pods')).toBeNull();
    expect(second.get('never asked')).toBeUndefined();
    writeFileSync(tool, 'another, longer build');
    expect(openToolVerdicts(tool, 'test 1', cache).get('get\0pods')).toBeUndefined();
  });

  it('starts afresh when the tool is asked another way', () => {
    const dir = temporary();
    const tool = path.join(dir, 'kubectl');
    writeFileSync(tool, 'build');
    const cache = path.join(dir, 'cache');
    const first = openToolVerdicts(tool, 'test 1', cache);
    first.set('a', 'complaint');
    first.save();
    expect(openToolVerdicts(tool, 'test 2', cache).get('a')).toBeUndefined();
  });

  it('ignores a cache file it cannot read and writes a good one in its place', () => {
    const dir = temporary();
    const tool = path.join(dir, 'kubectl');
    writeFileSync(tool, 'build');
    const cache = path.join(dir, 'cache');
    const verdicts = openToolVerdicts(tool, 'test 1', cache);
    verdicts.set('a', null);
    verdicts.save();
    const [file] = readdirSync(cache);
    writeFileSync(path.join(cache, file!), '{"version": 1, "verdicts": [tru');
    const broken = openToolVerdicts(tool, 'test 1', cache);
    expect(broken.get('a')).toBeUndefined();
    broken.set('a', 'x');
    broken.save();
    expect(openToolVerdicts(tool, 'test 1', cache).get('a')).toBe('x');
    expect(readdirSync(cache)).toEqual([file]);
  });
});
