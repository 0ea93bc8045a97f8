import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readBook } from '../../runner/book/load-book.js';
import type { CommandStep } from '../../runner/book/types.js';

const fence = '```';
const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A project folder with docs/book.yaml listing `chapters`; files maps paths under docs/ to content. */
function makeBook(chapters: string[], files: Record<string, string | Buffer> = {}): string {
  const root = mkdtempSync(path.join(tmpdir(), 'lab-load-book-'));
  made.push(root);
  const docs = path.join(root, 'docs');
  mkdirSync(docs);
  writeFileSync(path.join(docs, 'book.yaml'), `title: T\nchapters:\n${chapters.map((chapter) => `  - ${chapter}`).join('\n')}\n`);
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(docs, name), content);
  return docs;
}

const problemsOf = (docs: string) =>
  readBook(docs).problems.map((problem) => `${path.relative(docs, problem.file)}:${problem.line}:${problem.column}: ${problem.message}`);

describe('readBook: files that cannot be read as chapters', () => {
  it('reports a folder where a chapter should be at its line in book.yaml, instead of crashing on EISDIR', () => {
    const docs = makeBook(['01-a.md', 'folder.md'], { '01-a.md': '# A\n' });
    mkdirSync(path.join(docs, 'folder.md'));
    expect(problemsOf(docs)).toEqual([
      `book.yaml:4:5: \`folder.md\`, listed in chapters, cannot be read: ${path.join(docs, 'folder.md')} is a folder, not a file; list a Markdown file`,
    ]);
  });

  it('reports a chapter name too long for the file system, instead of crashing on ENAMETOOLONG', () => {
    const long = `${'a'.repeat(300)}.md`;
    const [problem] = problemsOf(makeBook([long]));
    expect(problem).toMatch(
      /^book\.yaml:3:5: `a+\.md`, listed in chapters, cannot be read: the name .* is too long for the file system; list a Markdown file$/,
    );
  });

  it('reports a folder where book.yaml should be', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'lab-load-book-'));
    made.push(root);
    mkdirSync(path.join(root, 'book.yaml'), { recursive: true });
    expect(problemsOf(root)).toEqual([
      `book.yaml:1:1: book.yaml cannot be read: ${path.join(root, 'book.yaml')} is a folder, not a file; point --book at the folder that holds the book's book.yaml`,
    ]);
  });
});

describe('readBook: pages outside the book', () => {
  it('refuses a chapter outside the book folder', () => {
    const docs = makeBook(['../outside.md']);
    writeFileSync(path.join(docs, '../outside.md'), `${fence}sh {sh}\necho outside\n${fence}\n`);
    expect(problemsOf(docs)).toEqual([
      "book.yaml:3:5: `../outside.md`, listed in chapters, is outside the book's folder; a book runs only its own pages: move it into " +
        `${path.relative(process.cwd(), docs)}/`,
    ]);
  });

  it('refuses a chapter that links to a file outside the book folder', () => {
    const docs = makeBook(['01-a.md']);
    writeFileSync(path.join(docs, '../outside.md'), `${fence}sh {sh}\necho outside\n${fence}\n`);
    symlinkSync(path.join(docs, '../outside.md'), path.join(docs, '01-a.md'));
    expect(problemsOf(docs)).toEqual([
      `book.yaml:3:5: \`01-a.md\`, listed in chapters, leads outside the book's folder through a link (to ${path.join(docs, '../outside.md')}); a book runs only its own pages: move it into ${path.relative(process.cwd(), docs)}/`,
    ]);
  });

  it('accepts a chapter in a subfolder of the book, and a link that stays inside it', () => {
    const docs = makeBook(['part/01-a.md', '02-b.md']);
    mkdirSync(path.join(docs, 'part'));
    writeFileSync(path.join(docs, 'part/01-a.md'), '# A\n');
    symlinkSync('part/01-a.md', path.join(docs, '02-b.md'));
    expect(problemsOf(docs)).toEqual([]);
  });
});

describe('readBook: text that is not what it seems', () => {
  it('reads a chapter with Windows line endings as the same steps, with no carriage return in any command', () => {
    const lf = `# A\n\n${fence}sh {sh id=one}\necho one\necho two\n${fence}\n`;
    const unix = readBook(makeBook(['01-a.md'], { '01-a.md': lf })).book!.chapters[0]!.steps[0] as CommandStep;
    const windows = readBook(makeBook(['01-a.md'], { '01-a.md': lf.replace(/\n/g, '\r\n') })).book!.chapters[0]!.steps[0] as CommandStep;
    expect(windows.script).toBe('echo one\necho two');
    expect(windows.hash).toBe(unix.hash);
  });

  it('refuses a carriage return that ends no line, at its line and column', () => {
    const docs = makeBook(['01-a.md'], { '01-a.md': `# A\n\n${fence}sh {sh}\necho one\recho two\n${fence}\n` });
    expect(problemsOf(docs)).toEqual([
      '01-a.md:4:9: This line has a carriage return (\\r) that ends no line; remove it, or save the file with LF line endings',
    ]);
  });

  it('refuses bytes that are not UTF-8 at their line and column instead of replacing them', () => {
    const bytes = Buffer.concat([Buffer.from(`# A\n\n${fence}sh {sh}\necho `), Buffer.from([0xe9]), Buffer.from(`t\xe9\n${fence}\n`)]);
    expect(problemsOf(makeBook(['01-a.md'], { '01-a.md': bytes }))).toEqual([
      '01-a.md:4:6: This line has bytes that are not UTF-8; save the file as UTF-8 (the runner does not guess an encoding)',
    ]);
  });

  it('refuses a NUL byte at its line and column', () => {
    const docs = makeBook(['01-a.md'], { '01-a.md': `# A\n\n${fence}sh {sh}\necho a\0b\n${fence}\n` });
    expect(problemsOf(docs)).toEqual(['01-a.md:4:7: This line has a NUL byte; a text file has none: remove it']);
  });

  it('refuses a YAML alias bomb in book.yaml at its first alias, without expanding it', () => {
    const docs = makeBook(['01-a.md'], { '01-a.md': '# A\n' });
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let level = 1; level < 9; level++) {
      const name = String.fromCharCode(97 + level);
      const previous = String.fromCharCode(96 + level);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`);
    }
    writeFileSync(
      path.join(docs, 'book.yaml'),
      `title: T\nchapters: [01-a.md]\nvars:\n  X: 1\nbomb:\n${levels.map((line) => `  ${line}`).join('\n')}\n`,
    );
    const problems = problemsOf(docs);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^book\.yaml:7:\d+: book\.yaml has aliases \(\*name\) that expand to too much \(.*\); write the values out, or nest fewer aliases$/,
    );
  });
});

describe('readBook: pages whose names clash', () => {
  it('refuses two pages with one file name, at the second one in book.yaml, including one listed twice', () => {
    const docs = makeBook(['part-1/intro.md', 'part-2/Intro.md', 'b.md'], { 'b.md': '# B\n' });
    for (const part of ['part-1', 'part-2']) mkdirSync(path.join(docs, part));
    writeFileSync(path.join(docs, 'part-1/intro.md'), '# One\n');
    writeFileSync(path.join(docs, 'part-2/Intro.md'), '# Two\n');
    writeFileSync(path.join(docs, 'book.yaml'), `${readFileSync(path.join(docs, 'book.yaml'), 'utf8')}appendices: [b.md]\n`);
    expect(problemsOf(docs)).toEqual([
      'book.yaml:4:5: `part-2/Intro.md` has the file name of `part-1/intro.md`; `lab run Intro` and the page Intro.html would mean either: rename one',
      'book.yaml:6:14: `b.md` is listed as a chapter and as an appendix; list it once',
    ]);
  });

  it('refuses a file named like another chapter, which `lab run 3` or `lab run chapter-1` would pick instead', () => {
    const docs = makeBook(['3.md', 'chapter-1.md', 'c.md'], { '3.md': '# A\n', 'chapter-1.md': '# B\n', 'c.md': '# C\n' });
    expect(problemsOf(docs)).toEqual([
      'book.yaml:3:5: `3.md` is named like another chapter (`lab run 3` would be ambiguous); give the file a name that says what it is about',
      'book.yaml:4:5: `chapter-1.md` is named like another chapter (`lab run chapter-1` would be ambiguous); give the file a name that says what it is about',
    ]);
    expect(problemsOf(makeBook(['1.md', 'chapter-2.md'], { '1.md': '# A\n', 'chapter-2.md': '# B\n' }))).toEqual([]);
  });

  it("refuses a page the site's own index.html or print.html would overwrite", () => {
    const docs = makeBook(['a.md', 'index.md', 'print.md'], { 'a.md': '# A\n', 'index.md': '# I\n', 'print.md': '# P\n' });
    expect(problemsOf(docs)).toEqual([
      "book.yaml:4:5: `index.md` would be written over by the site's own index.html; rename it",
      "book.yaml:5:5: `print.md` would be written over by the site's own print.html; rename it",
    ]);
  });

  it('points at the listed page itself, not at the first line that contains its name', () => {
    const docs = makeBook(['aa.md', 'a.md'], { 'aa.md': '# AA\n' });
    expect(problemsOf(docs)).toEqual([
      `book.yaml:4:5: \`a.md\`, listed in chapters, does not exist (looked for ${path.relative(process.cwd(), path.join(docs, 'a.md'))}); create it or remove it from chapters`,
    ]);
  });
});

describe('readBook: a page too deep to parse', () => {
  it('reports it and leaves it out of the book, so that no later reader parses it again', () => {
    const docs = makeBook(['a.md', 'deep.md'], { 'a.md': '# A\n', 'deep.md': `# D\n\n${'>'.repeat(10_000)} x\n` });
    const { book, problems } = readBook(docs);
    expect(problems.map((problem) => `${problem.line}: ${problem.rule}`)).toEqual(['3: too-complex']);
    expect(book?.chapters.map((chapter) => chapter.slug)).toEqual(['a']);
  });
});
