/**
 * The page's code blocks (`pre` elements, as rehype-steps left them) to highlighted HTML with
 * Shiki, each serialised on its own: the page and the print page splice the same HTML in. It runs
 * in the build's worker thread (site-worker.ts) or, for a one-page rebuild and from the sources,
 * in the calling thread; either way the same function makes the same HTML.
 */
import rehypeShikiFromHighlighter from '@shikijs/rehype/core';
import type { Element, Root } from 'hast';
import { toHtml } from 'hast-util-to-html';
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

/** Highlights each `pre` (its `code` child's `language-*` class and text) and returns its HTML, in order. */
export async function highlightBlocks(blocks: readonly Element[], variableNames: readonly string[]): Promise<string[]> {
  // The rehype plugin's own transform (what `.use()` would run), so a block comes out as it
  // would from a whole page: its options are handed to Shiki's codeToHast, langAlias included.
  const highlight = rehypeShikiFromHighlighter(await getHighlighter(), {
    themes: { light: 'github-light-default', dark: 'github-dark-default' },
    defaultLanguage: 'text',
    fallbackLanguage: 'text',
    langAlias: { sh: 'shellscript', bash: 'shellscript', shell: 'shellscript', yml: 'yaml' },
    transformers: [markVariables(new Set(variableNames))],
  } as Parameters<typeof rehypeShikiFromHighlighter>[1]) as unknown as (tree: Root) => void;
  return blocks.map((block) => {
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
  });
}
