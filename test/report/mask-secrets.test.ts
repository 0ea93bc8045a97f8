import { describe, expect, it } from 'vitest';
import { createMask, maskDeep } from '../../runner/report/mask-secrets.js';

describe('createMask', () => {
  it('masks every occurrence of a secret value', () => {
    const mask = createMask(['s3cr3t-value']);
    expect(mask('a s3cr3t-value and s3cr3t-value')).toBe('a *** and ***');
  });

  it('masks anything shaped like a bootstrap token, marked or not', () => {
    expect(createMask([])('kubeadm join --token abcdef.0123456789abcdef')).toBe('kubeadm join --token ***');
  });

  it('masks each line of a multi-line secret, so part of a key is masked too', () => {
    const key = '-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG\n-----END KEY-----';
    expect(createMask([key])('leaked: MIIEvQIBADANBgkqhkiG')).toBe('leaked: ***');
  });

  it('leaves values too short to be secrets alone', () => {
    expect(createMask(['ab', ''])('ab cd')).toBe('ab cd');
  });
});

describe('maskDeep', () => {
  it('masks strings at any depth and keeps other values', () => {
    expect(maskDeep({ a: ['x topsecret'], b: { c: 'topsecret' }, n: 3 }, createMask(['topsecret']))).toEqual({
      a: ['x ***'],
      b: { c: '***' },
      n: 3,
    });
  });
});
