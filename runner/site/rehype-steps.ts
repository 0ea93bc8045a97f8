/**
 * A rehype plugin that turns the book's step fences into captioned figures: what to do, where,
 * as whom and what it saves, a copy button, a file block's path and the variables it needs, a
 * check's expected output beside it and, when a run report is given, what the last run saw of
 * this very text. Fences are matched to the parser's steps by where they open in the file, so
 * the site and the runner always agree on which block is which step. Illustrations stay plain.
 * It runs before Shiki, which then highlights the `pre > code` it leaves inside each figure.
 */
import type { Element, ElementContent, Root } from 'hast';
import { h } from 'hastscript';
import { visit, SKIP } from 'unist-util-visit';
import type { Book, Step } from '../book/types.js';
import { namesTouched, type SiteVariable } from './book-variables.js';
import { describeStep, runsAsRoot, runsOnWorkstation } from './describe-step.js';
import { combineStatuses } from '../execute/results.js';
import type { StepRunInfo } from './merge-report.js';
import { decorateVariables, renderValuesBox } from './values-form.js';

export interface StepsOptions {
  book: Book;
  /** The page's steps as the parser found them. */
  steps: Step[];
  /** Every variable the site knows, and the page's slug, for the box of values first needed here. */
  variables: readonly SiteVariable[];
  slug: string;
  /** From a run report: what each step's last run saw, by step id. */
  runs?: Map<string, StepRunInfo[]>;
}

const at = (position: { line: number; column: number } | undefined) => (position ? `${position.line}:${position.column}` : '');

export function rehypeSteps(options: StepsOptions) {
  const byPosition = new Map(options.steps.map((step) => [at(step.position), step]));
  const outputLines = new Set(
    options.steps.flatMap((step) => (step.kind !== 'file' && step.expected ? [step.expected.position.line] : [])),
  );
  const names = new Set(options.variables.map((variable) => variable.name));
  const firstNeeded = options.variables.filter((variable) => variable.firstPage === options.slug);
  const firstNeededNames = new Set(firstNeeded.map((variable) => variable.name));
  return (tree: Root) => {
    let boxPlaced = firstNeeded.length === 0;
    visit(tree, 'element', (node: Element, index, parent) => {
      if (node.tagName !== 'pre' || !parent || index === undefined) return undefined;
      const start = node.position?.start;
      if (start && outputLines.has(start.line)) {
        // The expected output was placed beside its step already.
        parent.children.splice(index, 1);
        return [SKIP, index];
      }
      const step = byPosition.get(at(start));
      if (!step) return undefined; // an illustration
      const expected = step.kind !== 'file' && step.expected ? step.expected.text : undefined;
      parent.children[index] = figure(step, options, names, node, expected);
      if (!boxPlaced && namesTouched(step).some((name) => firstNeededNames.has(name))) {
        boxPlaced = true;
        parent.children.splice(index, 0, renderValuesBox(firstNeeded, options.slug));
        return [SKIP, index + 2];
      }
      return SKIP;
    });
    // A page whose variables no step reads before the end still shows them.
    if (!boxPlaced) tree.children.push(renderValuesBox(firstNeeded, options.slug));
  };
}

function figure(step: Step, options: StepsOptions, names: ReadonlySet<string>, pre: Element, expected: string | undefined): Element {
  const badge = describeStep(options.book, step);
  if (step.kind === 'file') {
    // The block's own text is empty for an include: show the snippet.
    const code = pre.children[0] as Element;
    code.children = [{ type: 'text', value: step.content }];
  }
  const caption = h('figcaption', [
    h('span.step-action', badge.action),
    ' ',
    step.kind === 'file' ? h('code.step-path', decorateVariables(step.path, names)) : '',
    step.kind === 'file' ? ' ' : '',
    h(
      'span.step-where',
      // The copy is the script itself: on the instance, run it from a root shell, as the runner runs it through sudo.
      badge.as === 'as root' ? { title: 'Paste it in a root shell on the instance (sudo -i)' } : {},
      `${badge.where}, ${badge.as}`,
    ),
    badge.saves ? h('span.step-saves', ['saves its output as ', h('code', badge.saves)]) : '',
    step.secret ? h('span.step-flag', { title: 'Its output is masked in every log and report' }, 'secret') : '',
    h('button.copy', { type: 'button', ...copyData(step) }, 'Copy'),
  ]);
  const body: ElementContent[] = [caption];
  const needs = step.uses.filter((name) => names.has(name));
  // On a host, or in a file, nothing from the reader's workstation shell is there: say what must be set.
  if (needs.length > 0 && (step.kind === 'file' || !runsOnWorkstation(step))) {
    body.push(
      h('p.step-needs', [
        'Needs ',
        ...needs.flatMap((name, position) => [position > 0 ? ', ' : '', h('code.need', { dataNeed: name }, name)]),
        step.kind === 'file' ? ' (filled in from your values)' : ' (filled in from your values; that instance’s shell has none of yours)',
      ]),
    );
  }
  body.push(pre);
  if (expected !== undefined) {
    body.push(
      h('div.step-expected', [h('div.step-expected-label', step.kind === 'check' ? 'Expect' : 'Prints'), h('pre', [h('code', expected)])]),
    );
  }
  body.push(...describeRuns(step, options.runs?.get(step.id)));
  return h(`figure.step.step-${step.kind}`, { id: `step-${step.id}`, dataKind: step.kind }, body);
}

/** What site.js needs to build the copy text with the reader's values. */
function copyData(step: Step): Record<string, string> {
  if (step.kind === 'file') {
    return {
      dataCopyKind: 'file',
      dataPath: step.path,
      dataContent: step.content,
      dataMode: step.mode ?? '0644',
      ...(runsAsRoot(step) ? { dataSudo: 'sudo' } : {}),
    };
  }
  return { dataCopyKind: 'command', dataScript: step.script.trimEnd(), ...(step.capture ? { dataCapture: step.capture } : {}) };
}

/** What the last run saw of this step, only if it ran this very text. */
function describeRuns(step: Step, runs: StepRunInfo[] | undefined): ElementContent[] {
  if (!runs || runs.length === 0) return [];
  if (runs.some((run) => run.hash !== step.hash)) {
    return [h('p.step-stale', 'Not run since it changed: the last run ran an earlier version of this step.')];
  }
  if (step.kind !== 'check') return [];
  return [
    h('details.step-seen', [
      h(
        'summary',
        `What the last run saw (${runs.map((run) => `${run.host}: ${describeStatus(run.status)}`).join(', ')})${describeEarly(runs)}`,
      ),
      ...runs.map((run) => h('pre', [h('code', `# ${run.host}\n${run.output ?? ''}`)])),
    ]),
  ];
}

function describeStatus(status: string): string {
  return status === 'not-run' ? 'not run' : status;
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
