/**
 * The whole book on one page, for printing or saving as PDF: a title page, each page starting on
 * a new sheet, ids made unique by the page they belong to, and nothing that only works on screen
 * (copy buttons, the values form). site.js still fills in the reader's values.
 */
import type { Element, Root } from 'hast';
import { toHtml } from 'hast-util-to-html';
import { visit, SKIP } from 'unist-util-visit';
import type { Book, Page } from '../book/types.js';
import { escapeHtml, renderHead } from './layout.js';

export interface PrintEntry {
  page: Page;
  label: string;
  tree: Root;
}

export function renderPrintPage(book: Book, entries: readonly PrintEntry[]): string {
  const contents = entries.map((entry) => `<li><a href="#${entry.page.slug}">${escapeHtml(entry.label)}</a></li>`).join('\n');
  // Code blocks come as raw HTML, serialised once by renderPage.
  const pages = entries
    .map(
      (entry) =>
        `<section class="print-page" id="${entry.page.slug}">${toHtml(prepareForPrint(entry.tree, entry.page.slug), { allowDangerousHtml: true })}</section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head>
${renderHead(`${book.title} (the whole book)`, `${book.title}, every chapter on one page for printing.`, true)}
</head>
<body class="print">
<main id="content">
<section class="title-page"><h1>${escapeHtml(book.title)}</h1><h2>Contents</h2><ol>
${contents}
</ol></section>
${pages}
</main>
<script src="assets/variables.js"></script>
<script src="assets/site.js"></script>
</body></html>
`;
}

/**
 * The page's tree with ids prefixed by its slug and on-screen controls removed. It changes the
 * tree in place (a copy of the whole book costs more than the rest of the print page): build the
 * print page after everything else that reads the trees.
 */
function prepareForPrint(tree: Root, slug: string): Root {
  visit(tree, 'element', (node: Element, index, parent) => {
    const classes = node.properties?.className;
    const classList = Array.isArray(classes) ? classes.map(String) : [];
    if (parent && index !== undefined && (classList.includes('copy') || classList.includes('values'))) {
      parent.children.splice(index, 1);
      return [SKIP, index];
    }
    if (node.properties?.id) node.properties.id = `${slug}--${String(node.properties.id)}`;
    const href = node.properties?.href;
    if (node.tagName === 'a' && typeof href === 'string') {
      // Links within the book become links within this page.
      const local = /^#(.+)$/.exec(href);
      const other = /^([\w.-]+)\.html(?:#(.*))?$/.exec(href);
      if (local) node.properties!.href = `#${slug}--${local[1]}`;
      else if (other) node.properties!.href = other[2] ? `#${other[1]}--${other[2]}` : `#${other[1]}`;
    }
    return undefined;
  });
  return tree;
}
