/**
 * The page's code blocks (`pre` elements, as rehype-steps left them) to highlighted HTML with
 * Shiki, each serialised on its own: the page and the print page splice the same HTML in. It runs
 * in the build's worker thread (site-worker.ts) or, for a one-page rebuild and from the sources,
 * in the calling thread; either way the same function makes the same HTML.
 */
import rehypeShikiFromHighlighter from '@shikijs/rehype/core';
import type { Element, Root } from 'hast';
import { toHtml } from 'hast-util-to-html';
import { toString } from 'hast-util-to-string';
import { createHighlighterCore, type HighlighterGeneric, type ShikiTransformer } from 'shiki/core';
import { createJavaScriptRegexEngine } from 'shiki/engine/javascript';
import { SKIP, visit } from 'unist-util-visit';
import { findBuilt } from './find-built.js';
import { loadLanguages } from './languages.js';
import { readRegexTable, regexConstructorFrom, REGEX_TABLE } from './shiki-regexes.js';
import { VARIABLE_REFERENCE } from './values-form.js';

/**
 * The book's languages and two themes only, with Shiki's JavaScript regex engine (Oniguruma's
 * WebAssembly takes longer to start than the whole book takes to highlight), its patterns from the
 * table `npm run build:cli` converted them into (shiki-regexes.ts).
 */
let highlighter: Promise<HighlighterGeneric<string, string>> | undefined;
export const getHighlighter = () =>
  (highlighter ??= createHighlighterCore({
    themes: [import('shiki/themes/github-light-default.mjs'), import('shiki/themes/github-dark-default.mjs')],
    langs: [loadLanguages()],
    engine: createJavaScriptRegexEngine({ regexConstructor: regexConstructorFrom(readRegexTable(findBuilt(REGEX_TABLE))) }),
  }) as Promise<HighlighterGeneric<string, string>>);

/**
 * Wraps each `${NAME}` of a book variable in highlighted code in `span.var[data-var]`, which site.js
 * fills with the reader's value; Shiki splits its tokens at the edges (its decorations).
 */
function markVariables(names: ReadonlySet<string>): ShikiTransformer {
  return {
    name: 'lab:variables',
    preprocess(code, options) {
      const decorations = [...code.matchAll(VARIABLE_REFERENCE)]
        .filter((match) => !match[1] && names.has(match[2]!))
        .map((match) => ({
          start: match.index,
          end: match.index + match[0].length,
          alwaysWrap: true,
          properties: { class: 'var', 'data-var': match[2]! },
        }));
      if (decorations.length > 0) options.decorations = decorations;
    },
  };
}

/**
 * Each block's HTML as highlighting made it, keyed by all it was made from: its language class,
 * meta string and text (all Shiki's rehype plugin reads of a `pre > code`; it replaces the rest)
 * and the book variables the text refers to. A block seen before, in a warm-up (site-worker.ts) or
 * an earlier rebuild, is not highlighted again.
 */
const highlighted = new Map<string, string>();

/** Highlights each `pre` (its `code` child's `language-*` class and text) and returns its HTML, in order. */
export async function highlightBlocks(blocks: readonly Element[], variableNames: readonly string[]): Promise<string[]> {
  const highlighter = await getHighlighter();
  const names = new Set(variableNames);
  return blocks.map((block) => {
    const key = cacheKey(block, names);
    const known = key === undefined ? undefined : highlighted.get(key.text);
    if (known !== undefined) return known;
    const html = highlightBlock(highlighter, block, key?.variables ?? names);
    if (key !== undefined) highlighted.set(key.text, html);
    return html;
  });
}

function highlightBlock(highlighter: HighlighterGeneric<string, string>, block: Element, variables: ReadonlySet<string>): string {
  // The rehype plugin's own transform (what `.use()` would run), so a block comes out as it
  // would from a whole page: its options are handed to Shiki's codeToHast, langAlias included.
  const highlight = rehypeShikiFromHighlighter(highlighter, {
    themes: { light: 'github-light-default', dark: 'github-dark-default' },
    defaultLanguage: 'text',
    fallbackLanguage: 'text',
    langAlias: { sh: 'shellscript', bash: 'shellscript', shell: 'shellscript', yml: 'yaml' },
    transformers: [markVariables(variables)],
  } as Parameters<typeof rehypeShikiFromHighlighter>[1]) as unknown as (tree: Root) => void;
  // Each block alone under a root of its own: Shiki replaces it there by its highlighted `pre`.
  const tree: Root = { type: 'root', children: [block] };
  highlight(tree);
  visit(tree, 'element', (node) => {
    if (node.tagName !== 'pre') return undefined;
    // A code block that scrolls sideways must be reachable with the keyboard.
    node.properties.tabIndex = 0;
    return SKIP;
  });
  return toHtml(tree);
}

/**
 * What a block's HTML is made from, or nothing for a `pre` the plugin leaves alone (no `code`
 * child), whose HTML is the whole element's. `variables` are the names markVariables would wrap.
 */
function cacheKey(block: Element, names: ReadonlySet<string>): { text: string; variables: ReadonlySet<string> } | undefined {
  const code = block.children[0];
  if (block.children.length !== 1 || code?.type !== 'element' || code.tagName !== 'code') return undefined;
  const classes = code.properties.className;
  const language = Array.isArray(classes) ? classes.find((name) => typeof name === 'string' && name.startsWith('language-')) : undefined;
  const meta = (code.data as { meta?: string } | undefined)?.meta ?? code.properties.metastring?.toString() ?? '';
  const text = toString(code);
  const variables = new Set(
    [...text.matchAll(VARIABLE_REFERENCE)].filter((match) => !match[1] && names.has(match[2]!)).map((match) => match[2]!),
  );
  return { text: JSON.stringify([language ?? null, meta, text, [...variables].sort()]), variables };
}
