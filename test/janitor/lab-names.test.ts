/** The naming convention that makes a lab's prefix unambiguous, checked against the book itself. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isNamedByLab, LabSelectorError, parseLabSelector, ROLES } from '../../runner/janitor/lab-names.js';
import { PROJECT_ROOT } from '../helpers/lab.js';

describe('lab names', () => {
  it('reads a name as a lab resource only when it is exactly LAB-<role>', () => {
    const lab = parseLabSelector('kubeadm-lab');
    expect(isNamedByLab('kubeadm-lab-net', lab, ['net'])).toBe(true);
    expect(isNamedByLab('kubeadm-lab-2-net', lab, ['net'])).toBe(false);
    expect(isNamedByLab('kubeadm-laboratory-net', lab, ['net'])).toBe(false);
    expect(isNamedByLab('kubeadm-lab-net-old', lab, ['net'])).toBe(false);
  });

  it('takes a family NAME-* as NAME-<letters and digits>, never a longer name', () => {
    const family = parseLabSelector('kubeadm-ci-*');
    expect(['kubeadm-ci-7', 'kubeadm-ci-123abc'].map(family.matches)).toEqual([true, true]);
    expect(['kubeadm-ci', 'kubeadm-ci-', 'kubeadm-ci-7-old', 'kubeadm-lab', 'kubeadm-cix-7'].map(family.matches)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('refuses a prefix that is not a lab name, saying what one is', () => {
    for (const text of ['', 'Kubeadm', 'lab*', 'a'.repeat(43), '-lab', 'lab-']) {
      expect(() => parseLabSelector(text), text).toThrow(LabSelectorError);
    }
    expect(() => parseLabSelector('lab*')).toThrow(/lowercase letters, digits and -/);
  });

  it('has no role that ends another role after a dash, so no prefix can take another lab for its own', () => {
    const roles = [...ROLES, 'controller-0', 'worker-0'];
    for (const a of roles) for (const b of roles) expect(a.endsWith(`-${b}`), `${a} / ${b}`).toBe(false);
  });

  it('knows the role of every resource a chapter creates as ${PREFIX}-<role>', () => {
    const docs = path.join(PROJECT_ROOT, 'docs');
    const book = readFileSync(path.join(docs, 'book.yaml'), 'utf8');
    const hostNames = [...book.matchAll(/^\s+(?:controllers|workers): \[(.*)\]$/gm)].flatMap((match) => match[1]!.split(/,\s*/));
    const created = readdirSync(docs)
      .filter((name) => name.endsWith('.md'))
      .flatMap((name) => readFileSync(path.join(docs, name), 'utf8').split('\n'))
      .filter((line) => /gcloud compute .*\bcreate\b/.test(line))
      .flatMap((line) => [...line.matchAll(/\$\{PREFIX\}-([a-z0-9-]+|\$\{host\})/g)].map((match) => match[1]!));
    expect(created.length).toBeGreaterThan(5);
    for (const role of created) expect([...ROLES, ...hostNames, '${host}'], role).toContain(role);
  });
});
