/**
 * Turns one chapter's Markdown into steps. Every fenced block whose info string carries `{...}`
 * after the language is a step (or the expected output of the step before it); any other block
 * is an illustration and never runs.
 */
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { Code, Heading as MdHeading, Root } from 'mdast';
import { toString } from 'mdast-util-to-string';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { SKIP, visit } from 'unist-util-visit';
import type { CommandStep, FileStep, Heading, Position, Step, StepKind } from '../book/types.js';
import { WORKSTATION } from '../book/types.js';
import type { Problem } from '../book/problems.js';
import { isPermissionProblem, readSource } from '../book/read-source.js';
import {
  DEFAULTS,
  ID_PATTERN,
  MODE_PATTERN,
  REQUIRES_ON_KINDS,
  ROOT_KINDS,
  BLOCK_KINDS,
  VALUE_ATTRIBUTES,
  MAX_DURATION_MS,
  findCaptureNameProblem,
  formatDuration,
  type BlockKind,
  isBlockKind,
  isFlag,
  isValueAttribute,
  parseDuration,
  FLAGS,
  FLAG_KINDS,
} from './block-grammar.js';
import { findFileVariables, findVariables } from './find-variables.js';
import { tokenizeAttributes, type AttributeToken } from './parse-attributes.js';

export interface ChapterContext {
  /** The chapter's absolute path. */
  file: string;
  /** `chapter-N`. */
  name: string;
  slug: string;
  /** The project root; `include=` paths are relative to it and must stay under its snippets/. */
  root: string;
  /** Every name `on=` may use: hosts, groups, `all` and `workstation`. */
  targets: ReadonlySet<string>;
}

export interface ParsedChapter {
  title: string;
  steps: Step[];
  headings: Heading[];
  problems: Problem[];
}

/** A fence with `{...}` after the language, before it is checked. */
interface Block {
  node: Code;
  lang: string;
  meta: string;
  /** 1-based column of the first character inside the braces. */
  attributesColumn: number;
  tokens: AttributeToken[];
}

// CommonMark is enough to find fences; the site adds GFM for tables and the like.
const parser = unified().use(remarkParse);

export function parseMarkdown(source: string): Root {
  return parser.parse(source);
}

/** Longer runs of emphasis marks take the Markdown parser quadratic time: 40 000 take 35 s. */
const MAX_MARK_RUN = 1000;

/**
 * `parse` is CommonMark unless the caller parses pages its own way and shares the tree (the site
 * does, with GFM, when that finds the same blocks; runner/site/parse-page.ts).
 */
export function parseChapter(source: string, context: ChapterContext, parse: (source: string) => Root = parseMarkdown): ParsedChapter {
  const run = new RegExp(`([*_~])\\1{${MAX_MARK_RUN - 1},}`).exec(source);
  if (run) {
    const before = source.slice(0, run.index);
    return refuseChapter(
      context,
      before.split('\n').length,
      run.index - before.lastIndexOf('\n'),
      `This line has a run of ${run[0].length} \`${run[1]}\`, which takes the Markdown parser minutes; keep runs under ${MAX_MARK_RUN}`,
    );
  }
  try {
    return readChapter(parse(source), source, context);
  } catch (error) {
    // Thousands of nested quotes or lists overflow the stack of the Markdown parser and of the
    // tree walk: a problem of the chapter, at its deepest line, not a crash of lab.
    if (!(error instanceof RangeError)) throw error;
    const depths = source.split('\n').map((line) => /^[\s>*+-]*/.exec(line)![0].length);
    return refuseChapter(
      context,
      depths.indexOf(Math.max(...depths)) + 1,
      1,
      'The chapter nests block quotes or lists too deep for the Markdown parser (thousands of levels); flatten it',
    );
  }
}

/** A chapter too complex to parse: no steps, one `too-complex` problem at the place that makes it so. */
function refuseChapter(context: ChapterContext, line: number, column: number, message: string): ParsedChapter {
  return { title: context.slug, steps: [], headings: [], problems: [{ file: context.file, line, column, message, rule: 'too-complex' }] };
}

function readChapter(tree: Root, source: string, context: ChapterContext): ParsedChapter {
  const lines = source.split('\n');
  const problems: Problem[] = [];
  const steps: Step[] = [];
  const headings: Heading[] = [];
  // What the last block was; an output block belongs to the step right before it.
  let previous: Previous;

  const report = (line: number, column: number, message: string, rule: string) =>
    problems.push({ file: context.file, line, column, message, rule });

  visit(tree, (node) => {
    if (node.type === 'heading') {
      const heading = node as MdHeading;
      headings.push({ depth: heading.depth, text: toString(heading), line: heading.position!.start.line });
      return SKIP;
    }
    // Code blocks live in the document, lists and quotes; nothing inside a paragraph or table is one.
    if (node.type === 'paragraph' || node.type === 'table' || node.type === 'html') return SKIP;
    if (node.type !== 'code') return undefined;
    const unclosed = findUnclosedFence(node as Code, lines);
    if (unclosed) {
      // CommonMark runs an unclosed fence to the end of its container: the rest of the chapter
      // would become one block, and its prose shell commands.
      report(
        unclosed.line,
        unclosed.column,
        `This ${unclosed.fence} fence is never closed, so everything after it would be part of the block; close it with a line of ${unclosed.fence}`,
        'unclosed-fence',
      );
      previous = 'rejected';
      return SKIP;
    }
    const indented = findIndentedStepFence(node as Code);
    if (indented) {
      report(
        indented.line,
        1,
        'This step fence is indented by four columns or more (a tab counts as four), so it is shown as code and never runs; indent it less, or show it as an example inside a ````markdown fence',
        'indented-step-fence',
      );
      previous = 'rejected';
      return SKIP;
    }
    const block = readBlock(node as Code, lines, report);
    if (!block) {
      previous = 'illustration';
      return undefined;
    }
    const kind = findKind(block, report);
    if (!kind) {
      previous = 'rejected';
      return;
    }
    if (kind === 'output') {
      attachOutput(block, previous, context, report);
      previous = 'output';
      return;
    }
    const step = buildStep(block, kind, steps.length + 1, context, report);
    if (step) steps.push(step);
    previous = step ?? 'rejected';
  });

  const title = headings.find((heading) => heading.depth === 1)?.text ?? context.slug;
  return { title, steps, headings, problems };
}

/** The opening fence of a fenced block that has no closing fence; undefined for closed or indented blocks. */
function findUnclosedFence(node: Code, lines: string[]): { line: number; column: number; fence: string } | undefined {
  const { start, end } = node.position!;
  const opening = /^(`{3,}|~{3,})/.exec((lines[start.line - 1] ?? '').slice(start.column - 1));
  if (!opening) return undefined;
  const fence = opening[1]!;
  // A closed fence ends with its closing line: the same character, at least as many, nothing after.
  const last = (lines[end.line - 1] ?? '').slice(0, end.column - 1);
  const closing = new RegExp(`(^|[\\s>])${fence[0] === '`' ? '`' : '~'}{${fence.length},}[ \\t]*$`);
  if (end.line > start.line && closing.test(last)) return undefined;
  return { line: start.line, column: start.column, fence };
}

/** An indented code block whose first line is a fence with attributes: a step the author meant to run. */
function findIndentedStepFence(node: Code): { line: number } | undefined {
  if (node.lang != null) return undefined;
  return /^(`{3,}|~{3,})[^`\n]*\{/.test(node.value) ? { line: node.position!.start.line } : undefined;
}

type Report = (line: number, column: number, message: string, rule: string) => void;
/** A step; an illustration; an output block; a block already reported as bad; or nothing yet. */
type Previous = Step | 'illustration' | 'output' | 'rejected' | undefined;

function readBlock(node: Code, lines: string[], report: Report): Block | undefined {
  // `{gcloud}` with no language lands in `lang`; treat it as attributes with no language.
  let lang = node.lang ?? '';
  let meta = node.meta ?? '';
  if (lang.startsWith('{')) {
    meta = `${lang} ${meta}`.trim();
    lang = '';
  }
  meta = meta.trim();
  const line = node.position!.start.line;
  const lineText = lines[line - 1] ?? '';
  if (!meta.startsWith('{')) {
    // ```sh{sh} or a no-break space before `{`: CommonMark reads it all as the language, and the
    // step the author wrote would silently be an illustration.
    const glued = /^([^\s{]*)[^\S\n\t ]*\{/u.exec(lang);
    if (glued) {
      report(
        line,
        lineText.indexOf('{') + 1,
        `The attributes are joined to the language \`${glued[1]}\` (with no plain space between), so this block would never run; write \`${glued[1]} {\` with a space`,
        'attributes-without-space',
      );
    }
    return undefined;
  }
  const attributesColumn = lineText.indexOf('{') + 2;
  // The attributes as written: CommonMark would turn \" into " and &amp; into &, and every
  // column after them would be off.
  meta = lineText.slice(attributesColumn - 2).trim();
  if (!meta.endsWith('}')) {
    report(line, attributesColumn - 1, 'The attribute list opens with `{` but never closes; end it with `}`', 'unclosed-attributes');
    return undefined;
  }
  const inner = meta.slice(1, -1);
  const { tokens, error } = tokenizeAttributes(inner);
  if (error) {
    report(line, attributesColumn + error.offset, error.message, 'bad-attribute-syntax');
    return undefined;
  }
  return { node, lang, meta, attributesColumn, tokens };
}

function findKind(block: Block, report: Report): BlockKind | undefined {
  const line = block.node.position!.start.line;
  const kinds: { kind: BlockKind; offset: number }[] = [];
  let bad = false;
  for (const token of block.tokens) {
    if (token.value !== undefined) {
      if (token.key === 'file') kinds.push({ kind: 'file', offset: token.offset });
      continue;
    }
    if (isBlockKind(token.key)) {
      if (token.key !== 'file' || !block.tokens.some((other) => other.key === 'file' && other.value !== undefined)) {
        kinds.push({ kind: token.key, offset: token.offset });
      }
    } else if (!isFlag(token.key)) {
      bad = true;
      report(
        line,
        block.attributesColumn + token.offset,
        `Unknown kind or flag \`${token.key}\`; kinds are ${BLOCK_KINDS.join(', ')}, flags are ${FLAGS.join(', ')}`,
        'unknown-kind',
      );
    }
  }
  if (bad) return undefined;
  if (kinds.length === 0) {
    report(
      line,
      block.attributesColumn,
      `The block has attributes but no kind; start them with one of ${BLOCK_KINDS.join(', ')} (or remove the braces to make it an illustration)`,
      'missing-kind',
    );
    return undefined;
  }
  if (kinds.length > 1) {
    report(
      line,
      block.attributesColumn + kinds[1]!.offset,
      `A block has exactly one kind, this one has ${kinds.map((k) => k.kind).join(' and ')}; split it into separate blocks`,
      'several-kinds',
    );
    return undefined;
  }
  return kinds[0]!.kind;
}

function attachOutput(block: Block, previous: Previous, context: ChapterContext, report: Report): void {
  const line = block.node.position!.start.line;
  const extra = block.tokens.find((token) => token.key !== 'output');
  if (extra) {
    report(
      line,
      block.attributesColumn + extra.offset,
      `An output block takes no other attributes; remove \`${extra.key}\``,
      'unknown-attribute',
    );
    return;
  }
  // The step before was reported already; one problem is enough.
  if (previous === 'rejected') return;
  if (previous === undefined || typeof previous === 'string' || previous.kind === 'file') {
    const what =
      previous === undefined
        ? 'nothing before it'
        : previous === 'illustration'
          ? 'an illustration (a block without attributes) before it'
          : previous === 'output'
            ? 'another output block before it'
            : 'a file block before it, which prints nothing';
    report(
      line,
      block.attributesColumn,
      `This output block has ${what}; put it right after the step whose stdout it shows`,
      'orphan-output',
    );
    return;
  }
  const expected = { text: block.node.value, position: { file: context.file, line, column: 1 } };
  previous.expected = expected;
  previous.hash = hashStep(previous.kind, previous.meta, previous.script, expected.text);
}

function buildStep(block: Block, kind: StepKind, index: number, context: ChapterContext, report: Report): Step | undefined {
  const node = block.node;
  const line = node.position!.start.line;
  const position: Position = { file: context.file, line, column: node.position!.start.column };
  const attributes = new Map<string, AttributeToken>();
  const flags = new Set<string>();
  let ok = true;
  const fail = (token: AttributeToken | undefined, message: string, rule: string) => {
    ok = false;
    report(line, block.attributesColumn + (token?.offset ?? 0), message, rule);
  };

  for (const token of block.tokens) {
    if (token.value === undefined) {
      if (!isFlag(token.key)) continue;
      if (!(FLAG_KINDS[token.key] as readonly string[]).includes(kind)) {
        fail(
          token,
          `\`${token.key}\` does not apply to a ${kind} block; it is for ${FLAG_KINDS[token.key].join(', ')}`,
          'attribute-not-for-kind',
        );
      } else if (flags.has(token.key)) {
        fail(token, `\`${token.key}\` is given twice; keep one`, 'duplicate-attribute');
      }
      flags.add(token.key);
      continue;
    }
    if (!isValueAttribute(token.key)) {
      fail(
        token,
        `Unknown attribute \`${token.key}=\`; attributes are ${Object.keys(VALUE_ATTRIBUTES)
          .map((key) => `${key}=`)
          .join(', ')}`,
        'unknown-attribute',
      );
      continue;
    }
    if (!(VALUE_ATTRIBUTES[token.key] as readonly string[]).includes(kind)) {
      fail(
        token,
        `\`${token.key}=\` does not apply to a ${kind} block; it is for ${VALUE_ATTRIBUTES[token.key].join(', ')}`,
        'attribute-not-for-kind',
      );
      continue;
    }
    if (attributes.has(token.key)) {
      fail(token, `\`${token.key}=\` is given twice; keep one`, 'duplicate-attribute');
      continue;
    }
    attributes.set(token.key, token);
  }

  const value = (key: string) => attributes.get(key)?.value;
  const target = readTarget(attributes.get('on'), kind, context, fail);
  const id = value('id') ?? `${context.slug}-${index}`;
  if (attributes.has('id') && !ID_PATTERN.test(id)) {
    fail(attributes.get('id'), `\`id=${id}\` is not a valid id; use lowercase letters, digits, \`.\`, \`_\` and \`-\``, 'bad-id');
  }
  const timeoutMs = readDuration(attributes.get('timeout'), kind === 'check' ? DEFAULTS.checkTimeoutMs : DEFAULTS.stepTimeoutMs, fail);
  const everyMs = readDuration(attributes.get('every'), DEFAULTS.checkEveryMs, fail);
  const retries = readInteger(attributes.get('retries'), 0, 100, fail);
  const exit = readInteger(attributes.get('exit'), 0, 255, fail);
  const capture = value('capture');
  const captureProblem = capture === undefined ? undefined : findCaptureNameProblem(capture);
  if (captureProblem) fail(attributes.get('capture'), `\`capture=${capture}\` ${captureProblem}`, 'bad-capture');
  if (flags.has('root') && target?.every((name) => name === WORKSTATION)) {
    fail(
      block.tokens.find((token) => token.key === 'root' && token.value === undefined),
      '`root` is for steps on hosts (sudo there); on the workstation a step runs as you: add on=HOST or drop `root`',
      'root-on-workstation',
    );
  }
  if (!target) ok = false;
  if (!ok || !target) return undefined;

  const base = {
    id,
    index,
    chapter: context.name,
    position,
    target,
    timeoutMs,
    retries,
    optional: flags.has('optional'),
    secret: flags.has('secret'),
    root: (ROOT_KINDS as readonly string[]).includes(kind) || flags.has('root'),
    lang: block.lang,
    meta: block.meta,
  };

  if (kind === 'file') {
    const file = readFileBlock(block, attributes, context, fail);
    if (!file) return undefined;
    const title = value('title') ?? `Write ${file.path}`;
    const step: FileStep = {
      ...base,
      kind,
      title,
      ...file,
      uses: findFileVariables(`${file.path}\n${file.content}`),
      hash: hashStep(kind, block.meta, file.content),
    };
    return step;
  }

  const script = node.value;
  const step: CommandStep = {
    ...base,
    kind,
    title: value('title') ?? defaultTitle(script),
    script,
    exit,
    everyMs,
    uses: findVariables(script),
    hash: hashStep(kind, block.meta, script),
    mayPassEarly: flags.has('may-pass-early'),
    ...(capture === undefined ? {} : { capture }),
  };
  return step;
}

type Fail = (token: AttributeToken | undefined, message: string, rule: string) => void;

function readTarget(token: AttributeToken | undefined, kind: StepKind, context: ChapterContext, fail: Fail): string[] | undefined {
  if (!token) {
    if ((REQUIRES_ON_KINDS as readonly string[]).includes(kind)) {
      fail(undefined, `A ${kind} block must say where it runs; add on=HOST, on=GROUP or on=all`, 'missing-on');
      return undefined;
    }
    return [WORKSTATION];
  }
  const names = token.value!.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !context.targets.has(name));
  if (unknown.length > 0 || names.some((name) => name === '')) {
    const known = [...context.targets].join(', ');
    fail(
      token,
      `\`on=${token.value}\` names ${unknown.map((name) => `\`${name}\``).join(', ') || 'an empty host'}, which is no host or group in book.yaml; known: ${known}`,
      'unknown-host',
    );
    return undefined;
  }
  return names;
}

function readDuration(token: AttributeToken | undefined, fallback: number, fail: Fail): number {
  if (!token) return fallback;
  const ms = parseDuration(token.value!);
  if (ms === undefined || ms === 0) {
    fail(token, `\`${token.key}=${token.value}\` is not a duration; write it like 30s, 10m, 1h30m or 500ms`, 'bad-duration');
    return fallback;
  }
  if (ms > MAX_DURATION_MS) {
    fail(
      token,
      `\`${token.key}=${token.value}\` is longer than the runner can time (at most ${formatDuration(Math.floor(MAX_DURATION_MS / 1000) * 1000)}); shorten it`,
      'bad-duration',
    );
    return fallback;
  }
  return ms;
}

function readInteger(token: AttributeToken | undefined, fallback: number, max: number, fail: Fail): number {
  if (!token) return fallback;
  const number = /^\d+$/.test(token.value!) ? Number(token.value) : Number.NaN;
  if (!(number <= max)) {
    fail(token, `\`${token.key}=${token.value}\` must be a whole number from 0 to ${max}`, 'bad-number');
    return fallback;
  }
  return number;
}

function readFileBlock(
  block: Block,
  attributes: Map<string, AttributeToken>,
  context: ChapterContext,
  fail: Fail,
): Pick<FileStep, 'path' | 'content' | 'include' | 'mode'> | undefined {
  const pathToken = attributes.get('file');
  if (!pathToken) {
    fail(undefined, 'A file block needs file=PATH, the path it writes', 'missing-file-path');
    return undefined;
  }
  const target = pathToken.value!;
  if (!target.startsWith('/') && !target.startsWith('~/') && !target.startsWith('${')) {
    fail(
      pathToken,
      `\`file=${target}\` must be an absolute path (or start with ~/ or a \${VARIABLE}), so it means the same on every host`,
      'relative-file-path',
    );
    return undefined;
  }
  const modeToken = attributes.get('mode');
  if (modeToken && !MODE_PATTERN.test(modeToken.value!)) {
    fail(modeToken, `\`mode=${modeToken.value}\` is not an octal mode; write it like 0644 or 600`, 'bad-mode');
    return undefined;
  }
  const includeToken = attributes.get('include');
  let content = block.node.value;
  let include: string | undefined;
  if (includeToken) {
    include = includeToken.value!;
    if (content.trim() !== '') {
      fail(
        includeToken,
        `This block has both inline content and \`include=${include}\`; keep one (an included block is left empty)`,
        'include-and-content',
      );
      return undefined;
    }
    const loaded = readInclude(include, context);
    if ('error' in loaded) {
      fail(includeToken, loaded.error, 'bad-include');
      return undefined;
    }
    content = loaded.content;
  } else if (!content.endsWith('\n')) {
    content += '\n';
  }
  return { path: target, content, ...(include ? { include } : {}), ...(modeToken ? { mode: modeToken.value! } : {}) };
}

function readInclude(include: string, context: ChapterContext): { content: string } | { error: string } {
  const snippets = path.join(context.root, 'snippets');
  const resolved = path.resolve(context.root, include);
  if (!resolved.startsWith(snippets + path.sep)) {
    return { error: `\`include=${include}\` must name a file under snippets/ (relative to ${context.root})` };
  }
  try {
    // realpath keeps a symlink from reaching outside snippets/.
    const real = realpathSync(resolved);
    if (!real.startsWith(realpathSync(snippets) + path.sep)) {
      return { error: `\`include=${include}\` leads outside snippets/ through a link; include the file itself` };
    }
    const source = readSource(real);
    if ('missing' in source) {
      return {
        error: `\`include=${include}\` cannot be read: ${source.missing}${isPermissionProblem(source.code) ? '' : '; include a file'}`,
      };
    }
    if ('problem' in source) {
      const { line, column, message } = source.problem;
      return { error: `\`include=${include}\`, line ${line}, column ${column}: ${message}` };
    }
    return { content: source.text };
  } catch (error) {
    // realpath fails: the file, or a folder on its way, is not there or not this user's to enter.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') {
      const why =
        code === 'EACCES'
          ? 'a folder on its path cannot be entered by this user (permission denied); let this user enter it (chmod a+x) or run lab as its owner'
          : code === 'ELOOP'
            ? 'is a symbolic link that leads back to itself (a loop); include a file'
            : `cannot be read (${(error as Error).message}); include a file`;
      return { error: `\`include=${include}\`: ${why}` };
    }
    return {
      error: `\`include=${include}\` names a file that does not exist (looked for ${path.relative(process.cwd(), resolved)}); create it or fix the path`,
    };
  }
}

export function hashStep(kind: string, meta: string, body: string, expected = ''): string {
  return createHash('sha256').update(`${kind}\0${meta}\0${body}\0${expected}`).digest('hex').slice(0, 16);
}

/** The first line that says what the step does, for progress lines and reports. */
function defaultTitle(script: string): string {
  const line = script
    .split('\n')
    .map((text) => text.trim())
    .find((text) => text !== '' && !text.startsWith('#'));
  if (!line) return 'empty step';
  return line.length > 72 ? `${line.slice(0, 71)}…` : line;
}
