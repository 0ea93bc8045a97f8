import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeTransport, fence, runBook, writeBook, type EngineBook } from '../helpers/engine.js';

let engine: EngineBook | undefined;
afterEach(() => engine?.remove());

const hosts = { workers: ['worker-0', 'worker-1', 'worker-2'] };

describe('runPlan', () => {
  it('runs the steps in order and, run again, resumes after the ones that passed', async () => {
    engine = writeBook([`# One\n\n${fence('sh id=a')}\n${fence('sh id=b')}\n${fence('sh id=c')}`]);
    const failing = new FakeTransport((request) => (request.script.includes('# b') ? { exitCode: 3 } : {}));
    const first = await runBook(engine, { transport: failing });
    expect(first.result.status).toBe('failed');
    expect(failing.ran()).toEqual(['a@workstation', 'b@workstation']);
    expect(engine.store.load().steps).toMatchObject({ a: { status: 'passed' }, b: { status: 'failed' } });

    const fixed = new FakeTransport();
    expect((await runBook(engine, { transport: fixed })).result.status).toBe('passed');
    expect(fixed.ran()).toEqual(['b@workstation', 'c@workstation']);
  });

  it('retries a step that failed as often as retries= says, then fails it', async () => {
    engine = writeBook([`# One\n\n${fence('sh id=flaky retries=2')}`]);
    const transport = new FakeTransport(() => ({ exitCode: 1 }));
    const { result } = await runBook(engine, { transport });
    expect(result.status).toBe('failed');
    expect(transport.requests).toHaveLength(3);
  }, 10_000);

  it('never starts a step again when its connection was lost while it ran, whatever retries= says', async () => {
    engine = writeBook([`# One\n\n${fence('sh id=init on=workers retries=2')}`], { hosts });
    const transport = new FakeTransport(() => ({ exitCode: 255, connectionLost: 'during-step' }));
    const { result } = await runBook(engine, { transport });
    expect(result.status).toBe('failed');
    expect(transport.requests).toHaveLength(3);
    expect(result.chapters[0]!.steps[0]!.hosts[0]!.failure?.message).toContain('may still be running there');
  });

  it('runs a step on at most --parallel hosts at once', async () => {
    engine = writeBook([`# One\n\n${fence('sh id=spread on=workers')}`], { hosts });
    const transport = new FakeTransport(async () => {
      await sleep(20);
      return {};
    });
    await runBook(engine, { transport, parallel: 2 });
    expect(transport.requests).toHaveLength(3);
    expect(transport.mostAtOnce).toBe(2);
  });

  it('records an interrupted step as not run, saves what passed, and runs the cleanup chapter', async () => {
    engine = writeBook([`# One\n\n${fence('sh id=a')}\n${fence('sh id=b')}`, `# Cleanup\n\n${fence('sh id=clean')}`], {
      cleanup: true,
    });
    const ctrlC = new AbortController();
    const transport = new FakeTransport((request) =>
      request.script.includes('# b')
        ? () => {
            ctrlC.abort();
            return { exitCode: -1, interrupted: true };
          }
        : {},
    );
    const { result } = await runBook(engine, { transport, signal: ctrlC.signal });
    expect(result.status).toBe('interrupted');
    expect(transport.ran()).toEqual(['a@workstation', 'b@workstation', 'clean@workstation']);
    // The cleanup chapter passed: nothing stands, so nothing counts as passed.
    expect(engine.store.load().steps).toEqual({});
  });

  it('carries what a workstation step exported and what a step captured into the next steps', async () => {
    engine = writeBook([`# One\n\n${fence('sh id=a')}\n${fence('sh id=b capture=TOKEN')}\n${fence('sh id=c')}`]);
    const transport = new FakeTransport((request) =>
      request.script.includes('# a')
        ? { exportedEnv: { ...request.env, PAINT: 'blue' } }
        : request.script.includes('# b')
          ? { stdout: 'abc\n', exportedEnv: request.env }
          : {},
    );
    await runBook(engine, { transport });
    expect(transport.requests[2]!.env).toMatchObject({ PAINT: 'blue', TOKEN: 'abc' });
    expect(engine.store.load().vars).toEqual({ PAINT: 'blue', TOKEN: 'abc' });
  });
});

describe('variables named like Object properties', () => {
  it('saves and carries a variable a step exported as __proto__', async () => {
    engine = writeBook([`# One\n\n${fence('sh id=a')}\n${fence('sh id=b')}`]);
    const exported = JSON.parse('{"__proto__": "kept"}') as Record<string, string>;
    const transport = new FakeTransport((request) =>
      request.script.includes('# a') ? { exportedEnv: Object.assign(Object.create(null), request.env, exported) } : {},
    );
    await runBook(engine, { transport });
    expect(Object.hasOwn(transport.requests[1]!.env, '__proto__')).toBe(true);
    expect(Object.hasOwn(engine.store.load().vars, '__proto__')).toBe(true);
  });
});
