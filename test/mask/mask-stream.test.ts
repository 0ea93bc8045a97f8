import { describe, expect, it } from 'vitest';
import { createMask } from '../../runner/mask/mask-secrets.js';
import { createStreamMask } from '../../runner/mask/mask-stream.js';

/** Feeds the chunks through a stream mask, as --verbose does, and returns everything shown. */
function stream(secrets: string[], chunks: string[]): string {
  const masked = createStreamMask(createMask(secrets));
  return chunks.map((chunk) => masked.push(chunk)).join('') + masked.end();
}

describe('createStreamMask', () => {
  it('masks a secret split across two reads of a pipe (a 64 KiB boundary)', () => {
    const secret = 'hunter2-very-secret';
    const before = 'x'.repeat(65536 - 7);
    const shown = stream([secret], [before + secret.slice(0, 7), `${secret.slice(7)} done\n`]);
    expect(shown).toBe(`${before}*** done\n`);
  });

  it('masks a bootstrap token split across reads, marked secret or not', () => {
    expect(stream([], ['kubeadm join --token abcdef.0123', '456789abcdef\n'])).toBe('kubeadm join --token ***\n');
  });

  it('shows a line that ends as soon as it arrives', () => {
    const masked = createStreamMask(createMask(['hunter2-very-secret']));
    expect(masked.push('waiting for the API server\n')).toBe('waiting for the API server\n');
  });
});
