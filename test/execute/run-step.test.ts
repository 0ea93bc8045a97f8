import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildReport } from '../../runner/report/build-report.js';
import { FakeTransport, fence, runBook, writeBook, type EngineBook } from '../helpers/engine.js';

let engine: EngineBook | undefined;
afterEach(() => engine?.remove());

const KEY = 'the-private-key-9f8e7d6c5b4a';
const NOTE = 'a-secret-stderr-note-1a2b3c';

function readLogs(engine: EngineBook): string {
  const dir = engine.store.logsDir;
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => readFileSync(path.join(entry.parentPath, entry.name), 'utf8'))
    .join('\n');
}

/** Everything a run shows or writes about its steps: --verbose output, notices, the JSON report, the logs. */
async function runAndCollect(reply: ConstructorParameters<typeof FakeTransport>[0], attributes = 'secret') {
  engine = writeBook([`# Keys\n\n${fence(`sh id=make-key capture=KEY ${attributes}`)}`]);
  const shown: string[] = [];
  const { result, variables } = await runBook(engine, {
    transport: new FakeTransport(reply),
    verbose: true,
    observer: {
      stepOutput: (_step, _host, _stream, text) => shown.push(text),
      attemptFailed: (_step, _host, _attempt, failure) => shown.push(JSON.stringify(failure)),
      stepEnd: (step) => shown.push(JSON.stringify(step.hosts)),
    },
  });
  const report = JSON.stringify(buildReport(engine.book, result, variables));
  return { result, everything: [...shown, report, readLogs(engine)].join('\n') };
}

describe('a secret step', () => {
  it('shows none of its output or stderr when it fails', async () => {
    const { result, everything } = await runAndCollect(() => ({ exitCode: 1, stdout: `${KEY}\n`, stderr: `${NOTE}\n` }));
    expect(result.status).toBe('failed');
    expect(everything).not.toContain(KEY);
    expect(everything).not.toContain(NOTE);
    expect(everything).toContain('the output of a secret step is not shown');
  });

  it('shows none of its output when it does not match what the book expects, not even in the diff', async () => {
    engine = writeBook([`# Keys\n\n${fence('sh id=make-key secret')}\n\`\`\`text {output}\nsomething else\n\`\`\`\n`]);
    const shown: string[] = [];
    const { result, variables } = await runBook(engine, {
      transport: new FakeTransport(() => ({ stdout: `${KEY}\n` })),
      observer: { attemptFailed: (_s, _h, _a, failure) => shown.push(JSON.stringify(failure)) },
    });
    expect(result.status).toBe('failed');
    expect(shown.join('') + JSON.stringify(buildReport(engine.book, result, variables)) + readLogs(engine)).not.toContain(KEY);
  });

  it('keeps its stderr out of the log and --verbose when it passes', async () => {
    const { result, everything } = await runAndCollect(() => ({ stdout: `${KEY}\n`, stderr: `${NOTE}\n` }));
    expect(result.status).toBe('passed');
    expect(everything).not.toContain(KEY);
    expect(everything).not.toContain(NOTE);
  });
});

describe('--verbose', () => {
  it('masks a secret that arrives split across two reads', async () => {
    engine = writeBook([`# Keys\n\n${fence('sh id=make-key capture=KEY secret')}\n${fence('sh id=use-key')}`]);
    const shown: string[] = [];
    await runBook(engine, {
      verbose: true,
      transport: new FakeTransport((request) =>
        request.script.includes('# make-key')
          ? { stdout: `${KEY}\n` }
          : (request) => {
              request.onOutput?.('stdout', `the key is ${KEY.slice(0, 10)}`);
              request.onOutput?.('stdout', `${KEY.slice(10)}\n`);
              return { stdout: `the key is ${KEY}\n` };
            },
      ),
      observer: { stepOutput: (_step, _host, _stream, text) => shown.push(text) },
    });
    expect(shown.join('')).toContain('the key is ***\n');
    expect(shown.join('')).not.toContain(KEY.slice(0, 10));
  });
});
