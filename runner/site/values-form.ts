/**
 * The reader's values: a table of variables with the book's value and a field for their own.
 * site.js keeps what they type in the browser and puts it in every code block and copy; the
 * same table appears on the page where variables are first needed and in the "Your values" dialog.
 */
import type { Element, ElementContent } from 'hast';
import { h } from 'hastscript';
import type { SiteVariable } from './book-variables.js';

/** `${NAME}` for a name the site knows, not escaped as `\${NAME}` (as the runner reads file blocks). */
export const VARIABLE_REFERENCE = /(\\?)\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Text with each `${NAME}` of a known variable as a span site.js fills with the reader's value. */
export function decorateVariables(text: string, names: ReadonlySet<string>): ElementContent[] {
  const parts: ElementContent[] = [];
  let last = 0;
  for (const match of text.matchAll(VARIABLE_REFERENCE)) {
    if (match[1] || !names.has(match[2]!)) continue;
    if (match.index > last) parts.push({ type: 'text', value: text.slice(last, match.index) });
    parts.push(h('span.var', { dataVar: match[2] }, match[0]));
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push({ type: 'text', value: text.slice(last) });
  return parts;
}

/** book.yaml's descriptions are Markdown-ish: `code` becomes code. */
function renderInlineCode(text: string): (ElementContent | string)[] {
  return text.split(/`([^`]+)`/).map((part, index) => (index % 2 === 1 ? h('code', part) : part));
}

/** Where a value comes from, in words. */
function describeSource(variable: SiteVariable): (ElementContent | string)[] {
  const parts: (ElementContent | string)[] = [];
  if (variable.capturedBy) {
    parts.push(
      'Saved by ',
      h('a', { href: `${variable.capturedBy.slug}.html#step-${variable.capturedBy.id}` }, variable.capturedBy.title),
      '; paste its output here to use it on another machine.',
    );
  } else if (variable.default !== '') {
    parts.push('book.yaml: ', h('code', variable.default), '.');
  } else {
    parts.push('The book sets none: enter yours.');
  }
  if (variable.description) parts.push(' ', ...renderInlineCode(variable.description));
  if (variable.secret) parts.push(' ', h('strong', 'Secret:'), ' kept in this tab only, never saved.');
  return parts;
}

function field(variable: SiteVariable, idPrefix: string): Element {
  const id = `${idPrefix}-${variable.name}`;
  const properties = {
    id,
    dataVar: variable.name,
    placeholder: variable.capturedBy ? 'not set' : variable.default || 'not set',
    autocomplete: 'off',
    spellCheck: false,
    ariaDescribedBy: variable.valid ? `${id}-error ${id}-source` : `${id}-source`,
    ...(variable.valid ? { ariaErrorMessage: `${id}-error` } : {}),
  };
  // Captured values may be certificates and keys, which span lines.
  return variable.capturedBy ? h('textarea', { ...properties, rows: 1 }) : h('input', { ...properties, type: 'text' });
}

/** The table of `variables`, with fields whose ids start with `idPrefix`. */
export function renderValuesTable(variables: readonly SiteVariable[], idPrefix: string): Element {
  return h('table.values-table', [
    h(
      'thead',
      h('tr', [
        h('th', { scope: 'col' }, 'Variable'),
        h('th', { scope: 'col' }, 'Your value'),
        h('th', { scope: 'col' }, 'Where it comes from'),
      ]),
    ),
    h(
      'tbody',
      variables.map((variable) =>
        h('tr', [
          h('th', { scope: 'row' }, h('label', { for: `${idPrefix}-${variable.name}` }, h('code', variable.name))),
          h('td', [
            field(variable, idPrefix),
            // site.js says here why a value is refused; announced as it appears.
            ...(variable.valid ? [h('p.value-error', { id: `${idPrefix}-${variable.name}-error`, ariaLive: 'polite' })] : []),
          ]),
          h('td', { id: `${idPrefix}-${variable.name}-source` }, describeSource(variable)),
        ]),
      ),
    ),
  ]);
}

/** The box on the page where these variables are first needed, before the first step using them. */
export function renderValuesBox(variables: readonly SiteVariable[], slug: string): Element {
  return h('section.values', { ariaLabelledBy: `values-${slug}` }, [
    h('p.values-title', { id: `values-${slug}` }, 'Values first needed here'),
    h('p.values-hint', [
      'The code below shows these values. Leave a field empty to use the book’s; what you enter is kept in this browser and used in every block and every copy. ',
      h('button.values-open', { type: 'button' }, 'All values'),
    ]),
    renderValuesTable(variables, `values-${slug}`),
  ]);
}
