/**
 * A rehype plugin that turns the book's step fences into captioned figures: what the step is,
 * where it runs, a copy button, a file block's path and content, a check's expected output beside
 * it and, when a run report is given, what the last run saw. Illustrations stay plain blocks.
 * It runs before Shiki, which then highlights the `pre > code` it leaves inside each figure.
 */
import type { Element, ElementContent, Root } from 'hast';
import { h } from 'hastscript';
import { visit, SKIP } from 'unist-util-visit';
import type { Book, Step } from '../book/types.js';
import { copyText, describeKind, describeTarget } from './describe-step.js';
import { combineStatuses } from '../execute/results.js';
import type { StepRunInfo } from './merge-report.js';

export interface StepsOptions {
  book: Book;
  /** The page's steps, in order, as the parser found them. */
  steps: Step[];
  /** From a run report: what each step's last run saw, by step id. */
  runs?: Map<string, StepRunInfo[]>;
}

export function rehypeSteps(options: StepsOptions) {
  return (tree: Root) => {
    let next = 0;
    visit(tree, 'element', (node: Element, index, parent) => {
      if (node.tagName !== 'pre' || !parent || index === undefined) return undefined;
      const code = node.children[0];
      if (!code || code.type !== 'element' || code.tagName !== 'code') return undefined;
      const meta = String((code.data as { meta?: string } | undefined)?.meta ?? '');
      const lang = classLanguage(code);
      // As the parser reads it: attributes in braces after the language, or in place of it.
      const attributes = (lang.startsWith('{') ? `${lang} ${meta}` : meta).trim();
      if (!attributes.startsWith('{') || !attributes.endsWith('}')) return undefined; // an illustration
      if (/^\{\s*output\s*\}$/.test(attributes)) {
        // The expected output was placed beside its step already.
        parent.children.splice(index, 1);
        return [SKIP, index];
      }
      const step = options.steps[next++];
      if (!step) return undefined;
      const expected = step.kind !== 'file' && step.expected ? step.expected.text : undefined;
      parent.children[index] = figure(step, options, node, expected);
      return SKIP;
    });
  };
}

function figure(step: Step, options: StepsOptions, pre: Element, expected: string | undefined): Element {
  const where = describeTarget(options.book, step.target);
  if (step.kind === 'file') {
    // The block's own text is empty for an include: show the snippet.
    const code = pre.children[0] as Element;
    code.children = [{ type: 'text', value: step.content }];
  }
  const caption = h('figcaption', [
    h('span.step-kind', describeKind(step)),
    ' ',
    h('span.step-where', step.kind === 'file' ? [h('code', step.path), ` ${where}`] : where),
    step.secret ? h('span.step-flag', { title: 'Its output is masked in every log and report' }, 'secret') : '',
    h('button.copy', { type: 'button', 'data-copy': copyText(step), 'aria-label': 'Copy to the clipboard' }, 'Copy'),
  ]);
  const body: ElementContent[] = [caption, pre];
  if (expected !== undefined) {
    body.push(
      h('div.step-expected', [h('div.step-expected-label', step.kind === 'check' ? 'Expect' : 'Prints'), h('pre', [h('code', expected)])]),
    );
  }
  const runs = options.runs?.get(step.id);
  if (runs && runs.length > 0 && step.kind === 'check') {
    body.push(
      h('details.step-seen', [
        h('summary', `What the last run saw (${runs.map((run) => `${run.host}: ${run.status}`).join(', ')})${describeEarly(runs)}`),
        ...runs.map((run) => h('pre', [h('code', `# ${run.host}\n${run.output ?? ''}`)])),
      ]),
    );
  }
  return h(`figure.step.step-${step.kind}`, { id: `step-${step.id}`, 'data-kind': step.kind }, body);
}

/** What --prove-checks saw before the chapter ran, when the run used it. */
function describeEarly(runs: StepRunInfo[]): string {
  const early = runs.flatMap((run) => (run.early === undefined ? [] : [run.early]));
  if (early.length === 0) return '';
  // Judged on all its hosts, as the run judged it: a failure on one host is a failure of the check.
  const status = combineStatuses(early);
  if (status === 'passed') return '; it passed even before its chapter ran, so it proves nothing';
  if (status === 'failed') return '; before its chapter ran it failed, as it should';
  return '';
}

function classLanguage(code: Element): string {
  const classes = code.properties?.className;
  const list = Array.isArray(classes) ? classes.map(String) : [];
  return list.find((name) => name.startsWith('language-'))?.slice('language-'.length) ?? '';
}
