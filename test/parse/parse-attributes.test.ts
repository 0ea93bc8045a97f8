import { describe, expect, it } from 'vitest';
import { tokenizeAttributes } from '../../runner/parse/parse-attributes.js';

describe('tokenizeAttributes', () => {
  it('splits words, key=value and quoted values, each with its offset', () => {
    expect(tokenizeAttributes('kubeadm on=controller-0 title="Init the control plane" secret').tokens).toEqual([
      { key: 'kubeadm', offset: 0 },
      { key: 'on', value: 'controller-0', offset: 8 },
      { key: 'title', value: 'Init the control plane', offset: 24 },
      { key: 'secret', offset: 55 },
    ]);
  });

  it('accepts single quotes', () => {
    expect(tokenizeAttributes('sh title=\'a "quoted" word\'').tokens[1]).toEqual({ key: 'title', value: 'a "quoted" word', offset: 3 });
  });

  it('reports a quote that never closes, at the quote', () => {
    expect(tokenizeAttributes('sh title="oops').error).toEqual({
      offset: 9,
      message: 'The value of `title` opens a " quote that is never closed',
    });
  });

  it('reports an empty value', () => {
    expect(tokenizeAttributes('sh on= id=x').error?.message).toBe('`on=` has no value; write on=VALUE or drop it');
  });

  it('reports stray characters', () => {
    expect(tokenizeAttributes('sh, on=x').error).toEqual({
      offset: 2,
      message: 'Unexpected `,` after `sh`; separate attributes with spaces',
    });
  });

  it('says a quote cannot be escaped when a backslash-quote ends a value early, at that quote', () => {
    expect(tokenizeAttributes('sh title="He said \\"hi\\""').error).toEqual({
      offset: 19,
      message:
        'The value of `title` ends at this "; a quote cannot be escaped (\\" is not one): quote the value with \' to put a " in it, or put a space after it',
    });
  });
});
