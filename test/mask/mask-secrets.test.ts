import { describe, expect, it } from 'vitest';
import { announceSecrets, createMask, maskDeep } from '../../runner/mask/mask-secrets.js';

describe('createMask', () => {
  it('masks every occurrence of a secret value', () => {
    const mask = createMask(['s3cr3t-value']);
    expect(mask('a s3cr3t-value and s3cr3t-value')).toBe('a *** and ***');
  });

  it('masks anything shaped like a bootstrap token, marked or not', () => {
    expect(createMask([])('kubeadm join --token abcdef.0123456789abcdef')).toBe('kubeadm join --token ***');
  });

  it('masks a multi-line secret whole and its secret parts (key data, tokens), not its lines of structure', () => {
    const keyData = 'LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlFb3dJQkFBS0NBUUVB';
    const kubeconfig = `apiVersion: v1\nkind: Config\nusers:\n- name: kubernetes-admin\n  user:\n    client-key-data: ${keyData}\n`;
    const mask = createMask([kubeconfig]);
    expect(mask(kubeconfig)).toBe('***\n');
    expect(mask(`leaked: ${keyData}`)).toBe('leaked: ***');
    expect(mask('apiVersion: v1\nkind: Pod\n  user:\n- name: kubernetes-admin')).toBe(
      'apiVersion: v1\nkind: Pod\n  user:\n- name: kubernetes-admin',
    );
  });

  it('masks each 64-line of a PEM key inside a multi-line secret', () => {
    const line = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj';
    const key = `-----BEGIN PRIVATE KEY-----\n${line}\n-----END PRIVATE KEY-----`;
    expect(createMask([key])(`part: ${line}`)).toBe('part: ***');
    expect(createMask([key])('-----END PRIVATE KEY-----')).toBe('-----END PRIVATE KEY-----');
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
  const key = 'a'.repeat(32) + '0123456789abcdef0123456789abcdef';

  it('masks a certificate key where kubeadm prints one, but not a sha256: pin of the CA', () => {
    expect(createMask([])(`--certificate-key ${key} --discovery-token-ca-cert-hash sha256:${key}`)).toBe(
      `--certificate-key *** --discovery-token-ca-cert-hash sha256:${key}`,
    );
    expect(createMask([])(`[upload-certs] Using certificate key:\n${key}\n`)).toBe('[upload-certs] Using certificate key:\n***\n');
  });

  it('leaves container IDs and digests alone, though they are 64 hex digits too', () => {
    expect(createMask([])(`CONTAINER ${key} Running`)).toBe(`CONTAINER ${key} Running`);
  });
});

describe('announceSecrets', () => {
  const collect = () => {
    const lines: string[] = [];
    return { out: { write: (text: string) => lines.push(text) } as unknown as NodeJS.WritableStream, lines };
  };

  it('tells GitHub Actions to mask each secret and each secret part of a multi-line one, once, not its structure', () => {
    const { out, lines } = collect();
    const keyData = 'LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlFb3dJQkFBS0NBUUVB';
    announceSecrets([`user:\n  client-key-data: ${keyData}`, 'first-secret', 'first-secret'], out, { GITHUB_ACTIONS: 'true' });
    expect(lines).toEqual([`::add-mask::${keyData}\n`, '::add-mask::first-secret\n']);
  });

  it('says nothing outside GitHub Actions', () => {
    const { out, lines } = collect();
    announceSecrets(['a-secret-value'], out, {});
    expect(lines).toEqual([]);
  });
});
