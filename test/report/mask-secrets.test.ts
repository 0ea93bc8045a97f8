import { describe, expect, it } from 'vitest';
import { announceSecrets, createMask, maskDeep } from '../../runner/report/mask-secrets.js';

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

describe('certificate keys', () => {
  it('masks a 64-hex certificate key but not a sha256: pin of the CA', () => {
    const key = 'a'.repeat(32) + '0123456789abcdef0123456789abcdef';
    expect(createMask([])(`--certificate-key ${key} --discovery-token-ca-cert-hash sha256:${key}`)).toBe(
      `--certificate-key *** --discovery-token-ca-cert-hash sha256:${key}`,
    );
  });
});

describe('announceSecrets', () => {
  const collect = () => {
    const lines: string[] = [];
    return { out: { write: (text: string) => lines.push(text) } as unknown as NodeJS.WritableStream, lines };
  };

  it('tells GitHub Actions to mask each line of each secret, once', () => {
    const { out, lines } = collect();
    announceSecrets(['first-secret\nsecond-line', 'first-secret'], out, { GITHUB_ACTIONS: 'true' });
    expect(lines).toEqual(['::add-mask::first-secret\n', '::add-mask::second-line\n']);
  });

  it('says nothing outside GitHub Actions', () => {
    const { out, lines } = collect();
    announceSecrets(['a-secret-value'], out, {});
    expect(lines).toEqual([]);
  });
});
