import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CommandStep, FileStep } from '../../runner/book/types.js';
import { parseChapter } from '../../runner/parse/parse-chapter.js';

const root = mkdtempSync(path.join(tmpdir(), 'lab-parse-'));
mkdirSync(path.join(root, 'snippets/kubeadm'), { recursive: true });
writeFileSync(path.join(root, 'snippets/kubeadm/init.yaml'), 'kind: InitConfiguration\n');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const context = {
  file: path.join(root, 'docs/06-init.md'),
  name: 'chapter-6',
  slug: '06-init',
  root,
  targets: new Set(['controller-0', 'worker-0', 'controllers', 'workers', 'all', 'workstation']),
};

const fence = '```';
const parse = (markdown: string) => parseChapter(markdown, context);
const messages = (markdown: string) => parse(markdown).problems.map((p) => `${p.line}:${p.column}: ${p.message}`);

describe('parseChapter: which blocks are steps', () => {
  it('makes a step of a block with attributes in braces, and an illustration of any other', () => {
    const { steps } = parse(
      `# Init\n\n${fence}sh\necho illustration\n${fence}\n\n${fence}sh {gcloud}\ngcloud compute instances list\n${fence}\n`,
    );
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({ kind: 'gcloud', id: '06-init-1', target: ['workstation'], title: 'gcloud compute instances list' });
  });

  it('accepts attributes with no language', () => {
    expect(parse(`${fence}{sh}\ntrue\n${fence}\n`).steps[0]?.kind).toBe('sh');
  });

  it('takes the chapter title from its first heading', () => {
    expect(parse('# Bootstrapping the control plane\n').title).toBe('Bootstrapping the control plane');
  });

  it('finds steps inside lists and quotes too, in document order', () => {
    const { steps } = parse(
      `1. First:\n\n   ${fence}sh {sh id=a}\n   true\n   ${fence}\n\nThen:\n\n> ${fence}sh {sh id=b}\n> true\n> ${fence}\n`,
    );
    expect(steps.map((step) => step.id)).toEqual(['a', 'b']);
  });
});

describe('parseChapter: attributes', () => {
  it('reads every attribute of a command step', () => {
    const step = parse(
      `${fence}sh {kubeadm on=controller-0 id=init title="Init it" timeout=10m retries=2 exit=1 capture=OUT secret optional}\nkubeadm init\n${fence}\n`,
    ).steps[0] as CommandStep;
    expect(step).toMatchObject({
      kind: 'kubeadm',
      id: 'init',
      title: 'Init it',
      target: ['controller-0'],
      timeoutMs: 600_000,
      retries: 2,
      exit: 1,
      capture: 'OUT',
      secret: true,
      optional: true,
      script: 'kubeadm init',
    });
  });

  it('marks a check that may rightly pass before its chapter runs', () => {
    const [plain, early] = parse(`${fence}sh {check}\ntrue\n${fence}\n${fence}sh {check may-pass-early}\ntrue\n${fence}\n`)
      .steps as CommandStep[];
    expect([plain!.mayPassEarly, early!.mayPassEarly]).toEqual([false, true]);
  });

  it('runs apt, kubeadm and file steps as root on hosts, and any other host step that says `root`', () => {
    const steps = parse(
      `${fence}sh {kubeadm on=controller-0}\ntrue\n${fence}\n${fence}sh {sh on=controller-0}\ntrue\n${fence}\n${fence}sh {check on=controller-0 root}\nsudo -n true\n${fence}\n`,
    ).steps;
    expect(steps.map((step) => step.root)).toEqual([true, false, true]);
  });

  it('refuses `root` on a step that runs only on the workstation, at the flag', () => {
    const { problems } = parse(`${fence}sh {check root}\ntrue\n${fence}\n`);
    expect(problems).toMatchObject([{ line: 1, column: 14, rule: 'root-on-workstation' }]);
  });

  it('gives checks a 2m timeout and a 5s interval unless told', () => {
    const step = parse(`${fence}sh {check}\ntrue\n${fence}\n${fence}sh {check timeout=5m every=10s}\ntrue\n${fence}\n`)
      .steps as CommandStep[];
    expect([step[0]!.timeoutMs, step[0]!.everyMs]).toEqual([120_000, 5_000]);
    expect([step[1]!.timeoutMs, step[1]!.everyMs]).toEqual([300_000, 10_000]);
  });

  it('takes a comma list of hosts and groups in on=', () => {
    expect(parse(`${fence}sh {apt on=controller-0,workers}\napt-get update\n${fence}\n`).steps[0]?.target).toEqual([
      'controller-0',
      'workers',
    ]);
  });

  it('lists the variables a step reads', () => {
    expect(parse(`${fence}sh {sh}\necho "$A \${B} \${C:-x} \\$D $A"\n${fence}\n`).steps[0]?.uses).toEqual(['A', 'B', 'C']);
  });

  it('changes the hash when the text, the attributes or the expected output change', () => {
    const hash = (markdown: string) => parse(markdown).steps[0]!.hash;
    const base = hash(`${fence}sh {sh}\necho a\n${fence}\n`);
    expect(hash(`${fence}sh {sh}\necho b\n${fence}\n`)).not.toBe(base);
    expect(hash(`${fence}sh {sh timeout=1m}\necho a\n${fence}\n`)).not.toBe(base);
    expect(hash(`${fence}sh {sh}\necho a\n${fence}\n${fence}text {output}\na\n${fence}\n`)).not.toBe(base);
    expect(hash(`Some prose.\n\n${fence}sh {sh}\necho a\n${fence}\n`)).toBe(base);
  });
});

describe('parseChapter: output blocks', () => {
  it('attaches an output block to the step before it', () => {
    const step = parse(`${fence}sh {check}\nkubectl get nodes\n${fence}\n\n${fence}text {output}\nNAME STATUS\n${fence}\n`)
      .steps[0] as CommandStep;
    expect(step.expected).toEqual({ text: 'NAME STATUS', position: { file: context.file, line: 5, column: 1 } });
  });

  it('rejects an output block with no step before it', () => {
    expect(messages(`${fence}sh\necho hi\n${fence}\n\n${fence}text {output}\nhi\n${fence}\n`)).toEqual([
      '5:10: This output block has an illustration (a block without attributes) before it; put it right after the step whose stdout it shows',
    ]);
    expect(messages(`${fence}text {output}\nhi\n${fence}\n`)[0]).toContain('has nothing before it');
  });

  it('rejects a second output block for the same step', () => {
    expect(messages(`${fence}sh {sh}\necho\n${fence}\n${fence}text {output}\n${fence}\n${fence}text {output}\n${fence}\n`)[0]).toContain(
      'another output block before it',
    );
  });
});

describe('parseChapter: file blocks', () => {
  it('takes content from an include under snippets/', () => {
    const step = parse(
      `${fence}yaml {file=/etc/kubernetes/kubeadm.yaml on=controller-0 include=snippets/kubeadm/init.yaml mode=0600}\n${fence}\n`,
    ).steps[0] as FileStep;
    expect(step).toMatchObject({
      kind: 'file',
      path: '/etc/kubernetes/kubeadm.yaml',
      include: 'snippets/kubeadm/init.yaml',
      mode: '0600',
      content: 'kind: InitConfiguration\n',
      title: 'Write /etc/kubernetes/kubeadm.yaml',
    });
  });

  it('lists only ${NAME} references as the variables a file uses', () => {
    expect(parse(`${fence}yaml {file=/etc/x on=all}\na: \${A}\nb: $B\n${fence}\n`).steps[0]?.uses).toEqual(['A']);
  });
});

describe('parseChapter: problems, each at its line and column', () => {
  const cases: [string, string, string][] = [
    [
      'an unknown kind',
      `${fence}sh {shell}\n${fence}`,
      '1:8: Unknown kind or flag `shell`; kinds are gcloud, apt, kubeadm, kubectl, sh, check, file, output, flags are secret, optional, may-pass-early, root',
    ],
    [
      'an unknown attribute',
      `${fence}sh {sh host=x}\n${fence}`,
      '1:11: Unknown attribute `host=`; attributes are on=, id=, title=, timeout=, every=, capture=, retries=, exit=, include=, file=, mode=',
    ],
    [
      'two kinds',
      `${fence}sh {sh gcloud}\n${fence}`,
      '1:11: A block has exactly one kind, this one has sh and gcloud; split it into separate blocks',
    ],
    [
      'no kind',
      `${fence}sh {on=workers}\n${fence}`,
      '1:8: The block has attributes but no kind; start them with one of gcloud, apt, kubeadm, kubectl, sh, check, file, output (or remove the braces to make it an illustration)',
    ],
    [
      'an unknown host',
      `${fence}sh {apt on=worker-9}\n${fence}`,
      '1:12: `on=worker-9` names `worker-9`, which is no host or group in book.yaml; known: controller-0, worker-0, controllers, workers, all, workstation',
    ],
    ['apt without on=', `${fence}sh {apt}\n${fence}`, '1:8: A apt block must say where it runs; add on=HOST, on=GROUP or on=all'],
    [
      'a bad duration',
      `${fence}sh {check timeout=5 minutes}\n${fence}`,
      '1:24: Unknown kind or flag `minutes`; kinds are gcloud, apt, kubeadm, kubectl, sh, check, file, output, flags are secret, optional, may-pass-early, root',
    ],
    [
      'a bad duration value',
      `${fence}sh {check timeout=5x}\n${fence}`,
      '1:14: `timeout=5x` is not a duration; write it like 30s, 10m, 1h30m or 500ms',
    ],
    ['every= on a plain step', `${fence}sh {sh every=5s}\n${fence}`, '1:11: `every=` does not apply to a sh block; it is for check'],
    [
      'may-pass-early on a plain step',
      `${fence}sh {sh may-pass-early}\n${fence}`,
      '1:11: `may-pass-early` does not apply to a sh block; it is for check',
    ],
    ['a repeated flag', `${fence}sh {sh secret secret}\n${fence}`, '1:18: `secret` is given twice; keep one'],
    [
      'a bad capture name',
      `${fence}sh {sh capture=my-var}\n${fence}`,
      '1:11: `capture=my-var` is not a shell variable name; use letters, digits and _, not starting with a digit',
    ],
    [
      'a missing include',
      `${fence}yaml {file=/etc/x on=all include=snippets/nope.yaml}\n${fence}`,
      `1:29: \`include=snippets/nope.yaml\` names a file that does not exist (looked for ${path.relative(process.cwd(), path.join(root, 'snippets/nope.yaml'))}); create it or fix the path`,
    ],
    [
      'an include outside snippets/',
      `${fence}yaml {file=/etc/x on=all include=../etc/passwd}\n${fence}`,
      `1:29: \`include=../etc/passwd\` must name a file under snippets/ (relative to ${root})`,
    ],
    [
      'a relative file path',
      `${fence}yaml {file=etc/x on=all}\n${fence}`,
      '1:10: `file=etc/x` must be an absolute path (or start with ~/ or a ${VARIABLE}), so it means the same on every host',
    ],
    ['an unclosed brace', `${fence}sh {sh on=all\n${fence}`, '1:7: The attribute list opens with `{` but never closes; end it with `}`'],
    ['a repeated attribute', `${fence}sh {sh id=a id=b}\n${fence}`, '1:16: `id=` is given twice; keep one'],
    ['a bad exit status', `${fence}sh {sh exit=300}\n${fence}`, '1:11: `exit=300` must be a whole number from 0 to 255'],
    [
      'a timeout longer than a timer holds (597h would fire at once)',
      `${fence}sh {sh timeout=597h}\n${fence}`,
      '1:11: `timeout=597h` is longer than the runner can time (at most 596h31m23s); shorten it',
    ],
    [
      'an every= longer than a timer holds',
      `${fence}sh {check every=999999h}\n${fence}`,
      '1:14: `every=999999h` is longer than the runner can time (at most 596h31m23s); shorten it',
    ],
    [
      'capture=__proto__, a name the state cannot store',
      `${fence}sh {sh capture=__proto__}\n${fence}`,
      '1:11: `capture=__proto__` is a name the runner cannot store (it is special in JavaScript); choose another name',
    ],
    [
      'capture=constructor',
      `${fence}sh {sh capture=constructor}\n${fence}`,
      '1:11: `capture=constructor` is a name the runner cannot store (it is special in JavaScript); choose another name',
    ],
    [
      'capture= of a variable bash sets itself',
      `${fence}sh {sh capture=RANDOM}\n${fence}`,
      '1:11: `capture=RANDOM` is a variable bash sets itself, so the value would not be kept; choose another name',
    ],
    [
      "capture= of the runner's own names",
      `${fence}sh {sh capture=__lab_rc}\n${fence}`,
      "1:11: `capture=__lab_rc` is the runner's (names starting with __lab are reserved); choose another name",
    ],
  ];
  it.each(cases)('reports %s', (_, markdown, expected) => {
    expect(messages(markdown)).toEqual([expected]);
  });

  it('refuses an include that is not UTF-8, at the include, with the line in the snippet', () => {
    writeFileSync(path.join(root, 'snippets/kubeadm/latin1.yaml'), Buffer.from([0x6b, 0x3a, 0x20, 0xe9, 0x0a]));
    expect(messages(`${fence}yaml {file=/etc/x on=all include=snippets/kubeadm/latin1.yaml}\n${fence}`)).toEqual([
      '1:29: `include=snippets/kubeadm/latin1.yaml`, line 1, column 4: This line has bytes that are not UTF-8; save the file as UTF-8 (the runner does not guess an encoding)',
    ]);
  });

  it('accepts the longest timeout a timer holds', () => {
    expect(messages(`${fence}sh {sh timeout=596h31m23s}\n${fence}`)).toEqual([]);
  });

  it('refuses an unclosed fence at its line instead of running the rest of the chapter as its script', () => {
    const { steps, problems } = parse(
      `# T\n\n${fence}sh {sh}\necho one\n\nSome prose; rm -rf is not a command here.\n\n${fence}sh {sh}\necho two\n`,
    );
    expect(steps).toEqual([]);
    expect(problems.map((p) => `${p.line}:${p.column}: ${p.message}`)).toEqual([
      '3:1: This ``` fence is never closed, so everything after it would be part of the block; close it with a line of ```',
    ]);
  });

  it('refuses an unclosed fence in a list item, and an unclosed illustration, which would swallow the steps after it', () => {
    expect(messages(`1. Do:\n\n   ${fence}sh {sh}\n   true\n\n2. Then\n`)).toEqual([
      '3:4: This ``` fence is never closed, so everything after it would be part of the block; close it with a line of ```',
    ]);
    expect(messages(`~~~~sh\necho illustration\n~~~\n${fence}sh {sh}\ntrue\n${fence}\n`)).toEqual([
      '1:1: This ~~~~ fence is never closed, so everything after it would be part of the block; close it with a line of ~~~~',
    ]);
  });

  it('takes a closing fence that is longer than the opening one, or indented in a list', () => {
    expect(parse(`${fence}sh {sh}\ntrue\n${fence}\`\n`).steps).toHaveLength(1);
    expect(parse(`- Do:\n\n  ${fence}sh {sh}\n  true\n  ${fence}\n`).steps).toHaveLength(1);
    expect(parse(`> ${fence}sh {sh}\n> true\n> ${fence}\n`).steps).toHaveLength(1);
  });

  it('reports every problem in a chapter, not just the first', () => {
    expect(messages(`${fence}sh {shell}\n${fence}\n\n${fence}sh {apt}\n${fence}\n`)).toHaveLength(2);
  });
});

describe('parseChapter: blocks meant as steps that would silently never run', () => {
  it('refuses attributes joined to the language with no space or a no-break space', () => {
    expect(messages(`# T\n\n${fence}sh{sh}\necho a\n${fence}\n\n${fence}sh\u00a0{sh}\necho b\n${fence}\n`)).toEqual([
      '3:6: The attributes are joined to the language `sh` (with no plain space between), so this block would never run; write `sh {` with a space',
      '7:7: The attributes are joined to the language `sh` (with no plain space between), so this block would never run; write `sh {` with a space',
    ]);
  });

  it('refuses a step fence indented into an indented code block, and leaves other indented code alone', () => {
    expect(messages(`# T\n\n\t${fence}sh {sh}\n\techo a\n\t${fence}\n\n    ${fence}sh\n    echo b\n    ${fence}\n`)).toEqual([
      '3:1: This step fence is indented by four columns or more (a tab counts as four), so it is shown as code and never runs; indent it less, or show it as an example inside a ````markdown fence',
    ]);
  });

  it('points at an attribute after a backslash-escaped quote at its column as written', () => {
    expect(messages(`${fence}sh {sh title="a \\"b\\""}\ntrue\n${fence}\n`)[0]).toMatch(/^1:21: The value of `title` ends at this "/);
  });

  it('takes attribute values as written, without Markdown entities decoded', () => {
    expect(parse(`${fence}sh {sh title="a &amp; b"}\ntrue\n${fence}\n`).steps[0]?.title).toBe('a &amp; b');
  });
});

describe('parseChapter: includes that cannot be read', () => {
  it('says an include that is a symbolic link loop is a loop, not a missing file', () => {
    symlinkSync('loop.yaml', path.join(root, 'snippets/loop.yaml'));
    expect(messages(`${fence}yaml {file=/etc/x on=all include=snippets/loop.yaml}\n${fence}\n`)).toEqual([
      '1:29: `include=snippets/loop.yaml`: is a symbolic link that leads back to itself (a loop); include a file',
    ]);
  });

  it('refuses an include that is a FIFO at once instead of waiting for a writer', () => {
    execFileSync('mkfifo', [path.join(root, 'snippets/fifo.yaml')]);
    expect(messages(`${fence}yaml {file=/etc/x on=all include=snippets/fifo.yaml}\n${fence}\n`)).toEqual([
      `1:29: \`include=snippets/fifo.yaml\` cannot be read: ${path.join(root, 'snippets/fifo.yaml')} is a FIFO (named pipe), not a file; include a file`,
    ]);
  });
});

describe('parseChapter: a chapter too deep to parse', () => {
  it('reports block quotes nested ten thousand deep at their line instead of overflowing the stack', () => {
    expect(parse(`# T\n\ntext\n\n${'>'.repeat(10_000)} deep\n`).problems).toEqual([
      {
        file: context.file,
        line: 5,
        column: 1,
        message: 'The chapter nests block quotes or lists too deep for the Markdown parser (thousands of levels); flatten it',
        rule: 'too-complex',
      },
    ]);
  });
});

describe('parseChapter: a chapter too costly to parse', () => {
  it('refuses a run of a thousand emphasis marks, which the Markdown parser takes quadratic time over', () => {
    expect(messages(`# T\n\ntext ${'*'.repeat(20_000)}a${'*'.repeat(20_000)}\n`)).toEqual([
      '3:6: This line has a run of 20000 `*`, which takes the Markdown parser minutes; keep runs under 1000',
    ]);
    expect(messages(`# T\n\n${'*'.repeat(999)}\n`)).toEqual([]);
  });
});
