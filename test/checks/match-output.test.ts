import { describe, expect, it } from 'vitest';
import { formatDiff, matchOutput, normalizeOutput } from '../../runner/checks/match-output.js';

describe('normalizeOutput', () => {
  it('makes runs of blanks one blank and drops trailing blanks and blank lines', () => {
    expect(normalizeOutput('NAME     STATUS   \nnode-0\tReady\n\n\n')).toEqual(['NAME STATUS', 'node-0 Ready']);
  });
});

describe('matchOutput', () => {
  it('matches kubectl columns whatever their widths', () => {
    expect(matchOutput('NAME STATUS\nnode-0 Ready', 'NAME       STATUS\nnode-0     Ready\n').matched).toBe(true);
  });

  it('lets [..] stand for any text within a line', () => {
    expect(matchOutput('node-0 Ready [..] v1.[..]', 'node-0   Ready   control-plane   5m   v1.34.2').matched).toBe(true);
    expect(matchOutput('node-0 Ready [..]', 'node-0 NotReady x').matched).toBe(false);
  });

  it('does not let [..] cross lines', () => {
    expect(matchOutput('a[..]c', 'ab\nc').matched).toBe(false);
  });

  it('lets a ... line stand for any number of lines, none included', () => {
    expect(matchOutput('first\n...\nlast', 'first\nx\ny\nlast').matched).toBe(true);
    expect(matchOutput('first\n...\nlast', 'first\nlast').matched).toBe(true);
    expect(matchOutput('...\nlast', 'last but not least').matched).toBe(false);
  });

  it('treats regular-expression characters literally', () => {
    expect(matchOutput('a.b (c)', 'a.b (c)').matched).toBe(true);
    expect(matchOutput('a.b', 'axb').matched).toBe(false);
  });

  it('shows a diff of the lines that differ', () => {
    const result = matchOutput('NAME STATUS\nnode-0 Ready\nnode-1 Ready', 'NAME STATUS\nnode-0 Ready\nnode-1 NotReady');
    expect(result.matched).toBe(false);
    expect(formatDiff(result.diff)).toBe(['  NAME STATUS', '  node-0 Ready', '- node-1 Ready', '+ node-1 NotReady'].join('\n'));
  });

  it('says how many lines a ... took', () => {
    const result = matchOutput('start\n...\nend', 'start\n1\n2\n3\nfinish');
    expect(formatDiff(result.diff)).toBe(['  start', '  (3 lines matched by ...)', '- end', '+ finish'].join('\n'));
  });
});

describe('matchOutput diffs next to ...', () => {
  it('pairs the mismatched line with the line it should have been, not with the ellipsis', () => {
    const result = matchOutput('NAME STATUS\n...\nnode-1 NotReady [..]', 'NAME STATUS\nnode-0 Ready 10s\nnode-1 Ready 12s');
    expect(formatDiff(result.diff)).toBe(
      ['  NAME STATUS', '  (1 line matched by ...)', '- node-1 NotReady [..]', '+ node-1 Ready 12s'].join('\n'),
    );
  });
});
