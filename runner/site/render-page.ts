/** One page of the book to HTML with the unified pipeline: remark, rehype, Shiki. */
import { readFileSync } from 'node:fs';
import rehypeShikiFromHighlighter from '@shikijs/rehype/core';
import { createHighlighterCore, type HighlighterGeneric } from 'shiki/core';
import { createJavaScriptRegexEngine } from 'shiki/engine/javascript';
import type { Root as HastRoot } from 'hast';
import { toString as hastToString } from 'hast-util-to-string';
import { h } from 'hastscript';
import type { Root as MdastRoot } from 'mdast';
import rehypeAutolinkHeadings from 'rehype-autolink-headings';
import rehypeSlug from 'rehype-slug';
import rehypeStringify from 'rehype-stringify';
import remarkDirective from 'remark-directive';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import remarkRehype from 'remark-rehype';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';
import type { Book, Page, Step } from '../book/types.js';
import type { StepRunInfo } from './merge-report.js';
import { rehypeSteps } from './rehype-steps.js';

export interface RenderedPage {
  html: string;
  /** h2 and h3 headings, for the on-page outline. */
  outline: { depth: number; id: string; text: string }[];
  /** Plain text, for search. */
  text: string;
}

const CALLOUTS = ['note', 'tip', 'caution', 'danger'];

/**
 * The book's languages and two themes only, with Shiki's JavaScript regex engine: the full bundle
 * would make every grammar Shiki has a chunk of the CLI, and Oniguruma's WebAssembly takes longer
 * to start than the whole book takes to highlight.
 */
let highlighter: Promise<HighlighterGeneric<string, string>> | undefined;
const getHighlighter = () =>
  (highlighter ??= createHighlighterCore({
    themes: [import('shiki/themes/github-light.mjs'), import('shiki/themes/github-dark.mjs')],
    langs: [
      import('shiki/langs/shellscript.mjs'),
      import('shiki/langs/yaml.mjs'),
      import('shiki/langs/json.mjs'),
      import('shiki/langs/toml.mjs'),
      import('shiki/langs/ini.mjs'),
      import('shiki/langs/diff.mjs'),
    ],
    engine: createJavaScriptRegexEngine(),
  }) as Promise<HighlighterGeneric<string, string>>);

/** `:::note` ... `:::` becomes an aside, as in Starlight; other directives are written back as text. */
function remarkCallouts() {
  return (tree: MdastRoot) => {
    visit(tree, (node) => {
      if (node.type !== 'containerDirective') return;
      const directive = node as unknown as { name: string; data?: Record<string, unknown>; attributes?: Record<string, string> };
      if (!CALLOUTS.includes(directive.name)) return;
      directive.data = {
        hName: 'aside',
        hProperties: { className: ['callout', `callout-${directive.name}`], 'aria-label': directive.name },
      };
    });
  };
}

/** Links between chapters point at their pages: `02-compute.md#x` -> `02-compute.html#x`. */
function rehypeLinksToPages() {
  return (tree: HastRoot) => {
    visit(tree, 'element', (node) => {
      const href = node.tagName === 'a' ? node.properties?.href : undefined;
      if (typeof href === 'string' && !/^[a-z][a-z0-9+.-]*:/i.test(href)) node.properties!.href = href.replace(/\.md(#|$)/, '.html$1');
    });
  };
}

export async function renderPage(book: Book, page: Page, steps: Step[], runs?: Map<string, StepRunInfo[]>): Promise<RenderedPage> {
  const outline: RenderedPage['outline'] = [];
  let text = '';
  const file = await unified()
    .use(remarkParse)
    .use(remarkGfm)
    .use(remarkDirective)
    .use(remarkCallouts)
    .use(remarkRehype)
    .use(rehypeSteps, { book, steps, ...(runs ? { runs } : {}) })
    .use(rehypeLinksToPages)
    .use(rehypeSlug)
    .use(rehypeAutolinkHeadings, { behavior: 'append', content: h('span.anchor', { 'aria-hidden': 'true' }, '#') })
    .use(() => (tree: HastRoot) => {
      text = hastToString(tree);
      visit(tree, 'element', (node) => {
        if ((node.tagName === 'h2' || node.tagName === 'h3') && node.properties?.id) {
          outline.push({
            depth: Number(node.tagName[1]),
            id: String(node.properties.id),
            text: hastToString(node).replace(/#$/, '').trim(),
          });
        }
      });
    })
    .use(rehypeShikiFromHighlighter, await getHighlighter(), {
      themes: { light: 'github-light', dark: 'github-dark' },
      defaultLanguage: 'text',
      fallbackLanguage: 'text',
      langAlias: { sh: 'shellscript', bash: 'shellscript', shell: 'shellscript', yml: 'yaml' },
    })
    .use(rehypeStringify)
    .process(readFileSync(page.file, 'utf8'));
  return { html: String(file), outline, text };
}
