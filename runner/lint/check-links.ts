/**
 * Links between the book's pages and to snippets resolve (anchors included), and every Markdown
 * file in the book's folder is a chapter or an appendix of book.yaml.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import GithubSlugger from 'github-slugger';
import type { Definition, Link } from 'mdast';
import { visit } from 'unist-util-visit';
import type { Book, Page } from '../book/types.js';
import type { Problem } from '../book/problems.js';
import { parseMarkdown } from '../parse/parse-chapter.js';
import { problemAt } from './locate.js';
import type { Rule } from './rule.js';

export function checkLinks(book: Book): Problem[] {
  const pages = [...book.chapters, ...book.appendices];
  const anchors = new Map(pages.map((page) => [page.file, anchorsOf(page)]));
  const problems: Problem[] = [];
  for (const page of pages) {
    const tree = parseMarkdown(readFileSync(page.file, 'utf8'));
    visit(tree, (node) => {
      if (node.type !== 'link' && node.type !== 'definition') return;
      const link = node as Link | Definition;
      const problem = checkTarget(link.url, page, book, anchors);
      if (problem)
        problems.push(
          problemAt({ file: page.file, line: link.position!.start.line, column: link.position!.start.column }, problem, 'broken-link'),
        );
    });
  }
  return [...problems, ...findUnlistedPages(book)];
}

function checkTarget(url: string, page: Page, book: Book, anchors: Map<string, Set<string>>): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('//')) return undefined; // http:, mailto: ...
  const [target = '', anchor] = url.split('#', 2);
  const file = target === '' ? page.file : path.resolve(path.dirname(page.file), decodeURIComponent(target));
  if (target !== '' && !existsSync(file)) return `The link to ${url} leads nowhere: ${path.relative(book.root, file)} does not exist`;
  if (anchor === undefined || anchor === '') return undefined;
  const known = anchors.get(file);
  if (!known) return undefined; // a snippet or a file outside the book: no headings to check
  return known.has(anchor)
    ? undefined
    : `The link to ${url} names no heading of ${path.basename(file)}; its anchors are ${[...known].slice(0, 8).join(', ')}`;
}

/** The anchors a site gives the page's headings (GitHub's slugs, as rehype-slug makes them). */
function anchorsOf(page: Page): Set<string> {
  const slugger = new GithubSlugger();
  return new Set(page.headings.map((heading) => slugger.slug(heading.text)));
}

function findUnlistedPages(book: Book): Problem[] {
  const listed = new Set([...book.chapters, ...book.appendices].map((page) => page.file));
  return readdirSync(book.dir)
    .filter((name) => name.endsWith('.md') && !listed.has(path.join(book.dir, name)))
    .map((name) =>
      problemAt(
        { file: path.join(book.dir, name), line: 1, column: 1 },
        `${name} is not in book.yaml; list it under chapters: (to run it) or appendices: (to read it), or move it out of the book`,
        'unlisted-page',
      ),
    );
}

export const linksRule: Rule = {
  name: 'links',
  doc: {
    summary:
      'Links between pages and to snippets lead somewhere, anchors included (`broken-link`), and every Markdown file of the book is in book.yaml (`unlisted-page`).',
    bad: {
      chapter: '# Example\n\nSee [the setup](#set-up) and [the next page](02-next.md).\n',
      files: { 'docs/draft.md': '# Draft\n' },
      findings: ['3:5 broken-link', '3:30 broken-link', 'docs/draft.md:1:1 unlisted-page'],
    },
    good: { chapter: '# Example\n\n## Set up\n\nSee [the setup](#set-up).\n' },
  },
  check: ({ book }) => checkLinks(book),
};
