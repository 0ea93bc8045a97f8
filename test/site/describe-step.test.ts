import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBook } from '../../runner/book/load-book.js';
import { describeStep, describeTarget } from '../../runner/site/describe-step.js';
import { PROJECT_ROOT } from '../helpers/lab.js';

const book = loadBook(path.join(PROJECT_ROOT, 'test/fixtures/fleet/docs'));

describe('describeTarget', () => {
  it('says where a step runs in words', () => {
    expect(describeTarget(book, ['workstation'])).toBe('on your workstation');
    expect(describeTarget(book, ['controller-0'])).toBe('on controller-0');
    expect(describeTarget(book, ['workers'])).toBe('on every worker');
    expect(describeTarget(book, ['all'])).toBe('on every instance');
    expect(describeTarget(book, ['controller-0', 'workers'])).toBe('on controller-0 and every worker');
  });
});

describe('describeStep', () => {
  const step = (id: string) => book.chapters.flatMap((chapter) => chapter.steps).find((candidate) => candidate.id === id)!;

  it("says what to do, where, as whom and what it saves, not the runner's kind", () => {
    expect(describeStep(book, step('as-root'))).toEqual({ action: 'Run', where: 'on controller-0', as: 'as root' });
    expect(describeStep(book, step('join'))).toEqual({ action: 'Run', where: 'on every worker', as: 'as your login user' });
    expect(describeStep(book, step('file-arrived'))).toEqual({ action: 'Check', where: 'on every worker', as: 'as your login user' });
    const capture = book.chapters[0]!.steps.find((candidate) => candidate.kind !== 'file' && candidate.capture === 'JOIN_TOKEN')!;
    expect(describeStep(book, capture)).toEqual({ action: 'Run', where: 'on controller-0', as: 'as your login user', saves: 'JOIN_TOKEN' });
    expect(
      describeStep(
        book,
        book.chapters[0]!.steps.find((candidate) => candidate.kind === 'file')!,
      ).action,
    ).toBe('Write');
  });
});
