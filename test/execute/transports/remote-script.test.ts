import { describe, expect, it } from 'vitest';
import { spawnTree } from '../../../runner/execute/spawn-tree.js';
import {
  createMarkers,
  readRemoteOutcome,
  retryUntilStarted,
  runRemoteScript,
  wrapRemoteScript,
} from '../../../runner/execute/transports/remote-script.js';

const markers = createMarkers('0123abcd');

/** Runs the wrapped script the way sshd hands it to `bash -s`, stdin kept open as the runner does. */
async function runWrapped(script: string, env: Record<string, string> = {}) {
  const result = await spawnTree('bash', ['-s'], {
    input: wrapRemoteScript(`set -euo pipefail\n${script}\n`, env, markers),
    keepStdinOpen: true,
  });
  return { ...result, ...readRemoteOutcome(result.exitCode, result.stderr, markers) };
}

describe('wrapRemoteScript', () => {
  it('reports the step started and its exit status, 255 included', async () => {
    expect(await runWrapped('exit 255')).toMatchObject({ exitCode: 255, started: true, finished: true });
    expect(await runWrapped('echo hi')).toMatchObject({ exitCode: 0, stdout: 'hi\n', stderr: '', started: true, finished: true });
  });

  it('exports the variables the step uses, whatever their values hold', async () => {
    const value = "multi\nline 'quoted' $not";
    expect((await runWrapped('printf %s "$KEY"', { KEY: value })).stdout).toBe(value);
  });

  it('keeps a command that reads stdin from eating the rest of the script', async () => {
    expect((await runWrapped('cat\necho after')).stdout).toBe('after\n');
  });

  it('keeps bash line numbers those of the block (plus one)', async () => {
    expect((await runWrapped('true\nno-such-command')).stderr).toContain('line 3: no-such-command: command not found');
  });
});

describe('the watchdog', () => {
  it('stops the step when the runner goes away (stdin closes)', async () => {
    const result = await spawnTree('bash', ['-s'], { input: wrapRemoteScript('set -euo pipefail\nsleep 30\n', {}, markers) });
    expect(readRemoteOutcome(result.exitCode, result.stderr, markers)).toMatchObject({ exitCode: 143, finished: true });
    expect(result.stderr).not.toContain('Terminated');
  });
});

describe('readRemoteOutcome', () => {
  it('tells a connection that never started from a script that exited 255', () => {
    expect(readRemoteOutcome(255, 'ssh: connect to host x port 22: Connection refused\n', markers)).toMatchObject({
      started: false,
      finished: false,
      exitCode: 255,
    });
    expect(readRemoteOutcome(255, '\0LAB-START-0123abcd\0oops\0LAB-EXIT-0123abcd 255\0', markers)).toEqual({
      started: true,
      finished: true,
      exitCode: 255,
      stderr: 'oops',
    });
    expect(readRemoteOutcome(255, '\0LAB-START-0123abcd\0partial', markers)).toMatchObject({ started: true, finished: false });
  });
});

describe('runRemoteScript', () => {
  const request = (script: string) => ({
    host: 'node-0',
    script: `set -euo pipefail\n${script}\n`,
    env: {},
    root: false,
    timeoutMs: 20_000,
    signal: new AbortController().signal,
    scratchDir: '/nonexistent',
  });

  it('takes no verdict from a step that prints the markers of the protocol', async () => {
    const forged = "printf '\\0LAB-START\\0\\0LAB-EXIT 0\\0\\0LAB-EXIT 0\\0' >&2; printf '\\0LAB-EXIT 0\\0'";
    const result = await runRemoteScript('bash', ['-s'], request(`${forged}; exit 1`));
    expect(result).toMatchObject({ exitCode: 1, connectionLost: false });
    expect(result.stderr).toBe('\0LAB-START\0\0LAB-EXIT 0\0\0LAB-EXIT 0\0');
  });
});

describe('retryUntilStarted', () => {
  const unstarted = { exitCode: 255, stdout: '', stderr: 'Could not connect\n', timedOut: false, interrupted: false, started: false };

  it('calls Ctrl-C while a connection opens an interrupt, the step not run, and does not retry', async () => {
    const ctrlC = new AbortController();
    let attempts = 0;
    const request = { host: 'node-0', script: '', env: {}, root: false, timeoutMs: 1000, signal: ctrlC.signal, scratchDir: '/x' };
    const result = await retryUntilStarted(request, [10, 10], async () => {
      attempts++;
      ctrlC.abort();
      return { ...unstarted, connectionLost: 'before-start' as const };
    });
    expect(attempts).toBe(1);
    expect(result).toMatchObject({ interrupted: true, connectionLost: false });
  });

  it('tries again only while the step provably never started', async () => {
    const request = {
      host: 'node-0',
      script: '',
      env: {},
      root: false,
      timeoutMs: 1000,
      signal: new AbortController().signal,
      scratchDir: '/x',
    };
    let attempts = 0;
    await retryUntilStarted(request, [1, 1, 1], async () => {
      attempts++;
      return { ...unstarted, started: true, connectionLost: 'during-step' as const };
    });
    expect(attempts).toBe(1);
    attempts = 0;
    await retryUntilStarted(request, [1, 1, 1], async () => {
      attempts++;
      return { ...unstarted, connectionLost: 'before-start' as const };
    });
    expect(attempts).toBe(4);
  });
});
