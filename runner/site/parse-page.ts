/**
 * The site's Markdown: CommonMark with GFM (tables, footnotes, autolinks) and directives (`:::note`).
 * A whole build parses each page once with it: the book loader finds the steps in the same tree
 * the site renders, where that tree holds the same blocks CommonMark would find. Where GFM or a
 * directive could make a block of lines CommonMark reads as text (a footnote, a directive), the
 * loader gets its own CommonMark parse, so `lab build` sees the steps `lab run` runs.
 */
import type { Root } from 'mdast';
import remarkDirective from 'remark-directive';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified, type Preset } from 'unified';
import { parseMarkdown } from '../parse/parse-chapter.js';

/** The syntax of a page, for every processor that reads one. */
export const PAGE_SYNTAX: Preset = { plugins: [remarkParse, remarkGfm, remarkDirective] };

/** Node types whose content CommonMark would read otherwise (as a paragraph), blocks included. */
const NOT_COMMONMARK = new Set(['footnoteDefinition', 'containerDirective', 'leafDirective', 'textDirective']);

export interface PageParsing {
  /** For loadBook's `parse`: the tree the loader reads steps from. */
  parse(source: string, file: string): Root;
  /** The page's tree, parsed with the site's syntax, once: later plugins change it. */
  take(file: string): Root | undefined;
}

export function startPageParsing(): PageParsing {
  const parser = unified().use(PAGE_SYNTAX);
  const trees = new Map<string, Root>();
  return {
    parse(source, file) {
      const tree = parser.parse(source) as Root;
      trees.set(file, tree);
      return holdsOnlyCommonMarkBlocks(tree) ? tree : parseMarkdown(source);
    },
    take(file) {
      const tree = trees.get(file);
      trees.delete(file);
      return tree;
    },
  };
}

function holdsOnlyCommonMarkBlocks(node: { type: string; children?: unknown[] }): boolean {
  if (NOT_COMMONMARK.has(node.type)) return false;
  return (node.children ?? []).every((child) => holdsOnlyCommonMarkBlocks(child as { type: string; children?: unknown[] }));
}
