import { describe, expect, it } from 'vitest';
import { spawnTree } from '../../../runner/execute/spawn-tree.js';
import { readRemoteOutcome, wrapRemoteScript } from '../../../runner/execute/transports/remote-script.js';

/** Runs the wrapped script the way sshd hands it to `bash -s`, stdin kept open as the runner does. */
async function runWrapped(script: string, env: Record<string, string> = {}) {
  const result = await spawnTree('bash', ['-s'], { input: wrapRemoteScript(`set -euo pipefail\n${script}\n`, env), keepStdinOpen: true });
  return { ...result, ...readRemoteOutcome(result.exitCode, result.stderr) };
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
    const result = await spawnTree('bash', ['-s'], { input: wrapRemoteScript('set -euo pipefail\nsleep 30\n', {}) });
    expect(readRemoteOutcome(result.exitCode, result.stderr)).toMatchObject({ exitCode: 143, finished: true });
    expect(result.stderr).not.toContain('Terminated');
  });
});

describe('readRemoteOutcome', () => {
  it('tells a connection that never started from a script that exited 255', () => {
    expect(readRemoteOutcome(255, 'ssh: connect to host x port 22: Connection refused\n')).toMatchObject({
      started: false,
      finished: false,
      exitCode: 255,
    });
    expect(readRemoteOutcome(255, '\0LAB-START\0oops\0LAB-EXIT 255\0')).toEqual({
      started: true,
      finished: true,
      exitCode: 255,
      stderr: 'oops',
    });
    expect(readRemoteOutcome(255, '\0LAB-START\0partial')).toMatchObject({ started: true, finished: false });
  });
});
