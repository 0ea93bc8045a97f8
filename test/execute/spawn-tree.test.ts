import { processesMatching } from '../helpers/processes.js';
import { describe, expect, it } from 'vitest';
import { spawnTree } from '../../runner/execute/spawn-tree.js';

describe('spawnTree', () => {
  it('gathers stdout and stderr and the exit status', async () => {
    const result = await spawnTree('bash', ['-c', 'echo out; echo err >&2; exit 7']);
    expect(result).toMatchObject({ exitCode: 7, stdout: 'out\n', stderr: 'err\n', timedOut: false, interrupted: false });
  });

  it('passes input on stdin', async () => {
    expect((await spawnTree('cat', [], { input: 'hello' })).stdout).toBe('hello');
  });

  it('stops the whole process group at the timeout', async () => {
    const marker = `sleep 123.${process.pid}1`;
    const result = await spawnTree('bash', ['-c', `bash -c "${marker}" & wait`], { timeoutMs: 300 });
    expect(result.timedOut).toBe(true);
    expect(processesMatching(marker)).toEqual([]);
  });

  it('stops the whole process group when aborted', async () => {
    const marker = `sleep 123.${process.pid}2`;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const result = await spawnTree('bash', ['-c', `${marker}`], { signal: controller.signal });
    expect(result.interrupted).toBe(true);
    expect(processesMatching(marker)).toEqual([]);
  });

  it('does not wait for a background process that keeps stdout open', async () => {
    const marker = `sleep 123.${process.pid}3`;
    const started = performance.now();
    const result = await spawnTree('bash', ['-c', `${marker} & echo started`]);
    expect(result.stdout).toBe('started\n');
    expect(performance.now() - started).toBeLessThan(5000);
    expect(processesMatching(marker)).toEqual([]);
  });

  it('reports a command that cannot start', async () => {
    const result = await spawnTree('no-such-command-here', []);
    expect(result.exitCode).toBe(-1);
    expect(result.spawnError?.message).toContain('ENOENT');
  });
});
