import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBook } from '../../runner/book/load-book.js';
import type { FileStep } from '../../runner/book/types.js';
import { copyText, describeTarget } from '../../runner/site/describe-step.js';
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

describe('copyText', () => {
  it('copies a command exactly as written', () => {
    const step = book.chapters[0]!.steps.find((candidate) => candidate.id === 'join')!;
    expect(copyText(step)).toBe((step as { script: string }).script.trimEnd());
  });

  it('copies a file block as the command that writes it, variables left for the shell', () => {
    const step = book.chapters[0]!.steps.find((candidate) => candidate.kind === 'file') as FileStep;
    expect(copyText(step)).toBe(
      [
        'sudo mkdir -p "$(dirname ${LAB_OUT}/kubeadm.yaml)"',
        'cat <<EOF | sudo tee ${LAB_OUT}/kubeadm.yaml > /dev/null',
        'apiVersion: kubeadm.k8s.io/v1beta4',
        'kind: JoinConfiguration',
        'discovery:',
        '  bootstrapToken:',
        '    token: ${JOIN_TOKEN}',
        'EOF',
        'sudo chmod 0600 ${LAB_OUT}/kubeadm.yaml',
      ].join('\n'),
    );
  });
});
