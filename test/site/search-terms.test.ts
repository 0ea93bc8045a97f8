import { describe, expect, it } from 'vitest';
import { indexTerms, processTerm, queryTerms } from '../../runner/site/search-terms.js';

describe('search terms', () => {
  it('stems words lightly, the same for the index and the query', () => {
    expect(['Cleaning', 'nodes', 'running', 'applies', 'passes', 'kubeadm', 'br_netfilter'].map(processTerm)).toEqual([
      'clean',
      'node',
      'run',
      'apply',
      'pass',
      'kubeadm',
      'br_netfilter',
    ]);
  });

  it('finds "cleanup" in "Cleaning up": a word and the particle after it are also one term', () => {
    const terms = indexTerms('Cleaning up the nodes, then log in').map(processTerm);
    expect(terms).toContain(processTerm('cleanup'));
    expect(terms).toContain(processTerm('login'));
    // Only particles pair up: "the nodes" is no term of its own.
    expect(terms).not.toContain(processTerm('the nodes'));
    expect(queryTerms('cleanup, please')).toEqual(['cleanup', 'please']);
  });

  it('works from its own source text, as the browser receives it', () => {
    const fromSource = new Function(`return ${processTerm.toString()}`)() as typeof processTerm;
    const queryFromSource = new Function(`return ${queryTerms.toString()}`)() as typeof queryTerms;
    for (const word of ['Cleaning', 'cleaning up', 'stopped', 'addresses']) expect(fromSource(word)).toBe(processTerm(word));
    expect(queryFromSource('a b_c d')).toEqual(['a', 'b_c', 'd']);
  });
});
