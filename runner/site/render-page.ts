/** One page of the book to HTML with the unified pipeline: remark, rehype, Shiki. */
import { LabError } from '../errors.js';
import { readSource } from '../book/read-source.js';
import type { Element, ElementContent, Root as HastRoot, RootContent } from 'hast';
import { toString as hastToString } from 'hast-util-to-string';
import { h } from 'hastscript';
import type { Root as MdastRoot } from 'mdast';
import rehypeAutolinkHeadings from 'rehype-autolink-headings';
import rehypeSlug from 'rehype-slug';
import remarkRehype from 'remark-rehype';
import { unified } from 'unified';
import { SKIP, visit } from 'unist-util-visit';
import { toHtml } from 'hast-util-to-html';
import type { Book, Page, Step } from '../book/types.js';
import type { SiteVariable } from './book-variables.js';
import type { StepRunInfo } from './merge-report.js';
import { PAGE_SYNTAX } from './parse-page.js';
import { rehypeSteps } from './rehype-steps.js';
import { highlightBlocks } from './highlight-code.js';

export interface RenderedPage {
  html: string;
  /** The page as HTML's tree, for the print page. */
  tree: HastRoot;
  /** h2 and h3 headings, for the on-page outline. */
  outline: { depth: number; id: string; text: string }[];
  /** The page cut at its headings, as plain text, for search. */
  sections: Section[];
}

export interface Section {
  /** The heading's id; empty for the text before the first heading. */
  id: string;
  title: string;
  text: string;
}

const CALLOUTS = ['note', 'tip', 'caution', 'danger'];

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

/** `containerd/containerd#12101` in prose links to that issue or pull request on GitHub. */
const ISSUE_REFERENCE = /\b([A-Za-z0-9][\w.-]*\/[\w.-]+)#(\d+)\b/g;

function rehypeLinkIssues() {
  return (tree: HastRoot) => {
    visit(tree, 'text', (node, index, parent) => {
      if (!parent || index === undefined || parent.type !== 'element' || ['a', 'code', 'pre'].includes(parent.tagName)) return undefined;
      const matches = [...node.value.matchAll(ISSUE_REFERENCE)];
      if (matches.length === 0) return undefined;
      const parts: ElementContent[] = [];
      let last = 0;
      for (const match of matches) {
        if (match.index > last) parts.push({ type: 'text', value: node.value.slice(last, match.index) });
        parts.push(h('a', { href: `https://github.com/${match[1]}/issues/${match[2]}` }, match[0]));
        last = match.index + match[0].length;
      }
      if (last < node.value.length) parts.push({ type: 'text', value: node.value.slice(last) });
      parent.children.splice(index, 1, ...parts);
      return index + parts.length;
    });
  };
}

export interface RenderOptions {
  /** Every variable the site substitutes. */
  variables: readonly SiteVariable[];
  /** What the newest run saw of each step, by id. */
  runs?: Map<string, StepRunInfo[]>;
  /** The page as the book loader parsed it for the site (parse-page.ts); parsed here if not given. */
  tree?: MdastRoot;
  /** Highlights the page's code blocks (see start-highlighting.ts); here, in this thread, if not given. */
  highlight?: (blocks: Element[], variableNames: string[]) => Promise<string[]>;
}

export async function renderPage(book: Book, page: Page, steps: Step[], options: RenderOptions): Promise<RenderedPage> {
  const outline: RenderedPage['outline'] = [];
  let sections: Section[] = [];
  const blocks: Element[] = [];
  const placeholders: Raw[] = [];
  const processor = unified()
    .use(PAGE_SYNTAX)
    .use(remarkCallouts)
    .use(remarkRehype)
    .use(rehypeSteps, { book, steps, variables: options.variables, slug: page.slug, ...(options.runs ? { runs: options.runs } : {}) })
    .use(rehypeLinksToPages)
    .use(rehypeLinkIssues)
    .use(rehypeSlug)
    .use(rehypeAutolinkHeadings, { behavior: 'append', content: h('span.anchor', { 'aria-hidden': 'true' }, '#') })
    .use(() => (tree: HastRoot) => {
      sections = cutSections(tree);
      visit(tree, 'element', (node) => {
        if ((node.tagName === 'h2' || node.tagName === 'h3') && node.properties?.id) {
          outline.push({
            depth: Number(node.tagName[1]),
            id: String(node.properties.id),
            text: headingText(node),
          });
        }
      });
    })
    .use(() => (tree: HastRoot) => {
      // Each code block leaves the tree for the highlighter and comes back as its HTML, serialised
      // once: the page and the print page write the same HTML for it (nothing in a block has an
      // id or a link the print page rewrites), and its thousands of highlighted spans are then
      // neither walked nor serialised a second time.
      visit(tree, 'element', (node, index, parent) => {
        if (node.tagName !== 'pre') return undefined;
        const placeholder: Raw = { type: 'raw', value: '' };
        if (parent && index !== undefined) {
          blocks.push(node);
          placeholders.push(placeholder);
          parent.children[index] = placeholder;
        }
        return SKIP;
      });
    });
  const tree = processor.runSync(options.tree ?? (processor.parse(readPageSource(page.file)) as MdastRoot)) as HastRoot;
  const html = await (options.highlight ?? highlightBlocks)(
    blocks,
    options.variables.map((variable) => variable.name),
  );
  html.forEach((value, index) => (placeholders[index]!.value = value));
  // The only raw HTML in the tree is the code blocks above: remark-rehype drops the book's own HTML.
  return { html: toHtml(tree, { allowDangerousHtml: true }), tree, outline, sections };
}

type Raw = Extract<RootContent, { type: 'raw' }>;

/** The page's text as the parser read it (CRLF as LF); a page that changed into something unreadable since is refused. */
function readPageSource(file: string): string {
  const source = readSource(file);
  if ('text' in source) return source.text;
  throw new LabError(
    'missing' in source ? source.missing : `${file}:${source.problem.line}:${source.problem.column}: ${source.problem.message}`,
  );
}

const headingText = (node: Element) => hastToString(node).replace(/#$/, '').trim();

/** What the site adds around steps (buttons, the values form) is no text of the book to search. */
const NOT_TEXT = new Set(['copy', 'values', 'step-needs']);

function readableText(node: ElementContent): string {
  if (node.type === 'text') return node.value;
  if (node.type !== 'element') return '';
  const classes = node.properties?.className;
  if (Array.isArray(classes) && classes.some((name) => NOT_TEXT.has(String(name)))) return '';
  // Block boundaries become spaces, so words of neighbouring cells and lines stay apart.
  const text = node.children.map(readableText).join('');
  return /^(p|li|tr|td|th|pre|div|figure|figcaption|h[1-6])$/.test(node.tagName) ? `${text} ` : text;
}

/** The page's top-level blocks grouped under the heading before them (h1 to h3). */
function cutSections(tree: HastRoot): Section[] {
  const sections: Section[] = [{ id: '', title: '', text: '' }];
  for (const node of tree.children) {
    if (node.type === 'element' && /^h[1-3]$/.test(node.tagName)) {
      sections.push({ id: node.tagName === 'h1' ? '' : String(node.properties?.id ?? ''), title: headingText(node), text: '' });
    } else if (node.type === 'element' || node.type === 'text') {
      sections.at(-1)!.text += `${readableText(node)}\n`;
    }
  }
  return sections
    .map((section) => ({ ...section, text: section.text.replace(/\s+/g, ' ').trim() }))
    .filter((section) => section.title !== '' || section.text !== '');
}
