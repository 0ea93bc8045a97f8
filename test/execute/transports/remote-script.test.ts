import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnTree } from '../../../runner/execute/spawn-tree.js';
import {
  createHandshake,
  createMarkerFilter,
  createMarkers,
  readRemoteOutcome,
  retryUntilStarted,
  runRemoteScript,
  wrapRemoteScript,
} from '../../../runner/execute/transports/remote-script.js';

const markers = createMarkers('0123abcd');

/**
 * Runs the wrapped script the way sshd hands it to `bash -s`, stdin kept open as the runner does,
 * with the go-ahead sent once the start marker arrives.
 */
async function runWrapped(script: string, env: Record<string, string> = {}) {
  const handshake = createHandshake(markers);
  const result = await spawnTree('bash', ['-s'], {
    input: wrapRemoteScript(`set -euo pipefail\n${script}\n`, env, markers),
    keepStdinOpen: true,
    reply: (stream, text) => (stream === 'stderr' ? handshake.reply(text) : undefined),
  });
  return { ...result, ...readRemoteOutcome(result.exitCode, result.stderr, markers), started: handshake.started };
}

let scratch: string | undefined;
afterEach(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
});

/** A step that leaves a file behind when it runs at all. */
function markingStep(): { script: string; ran: () => boolean } {
  scratch = mkdtempSync(path.join(tmpdir(), 'lab-remote-script-'));
  const file = path.join(scratch, 'ran');
  return { script: `set -euo pipefail\ntouch ${file}\n`, ran: () => existsSync(file) };
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

describe('the handshake', () => {
  it('runs nothing when the runner goes away after the host printed the start marker (no go-ahead, end of stdin)', async () => {
    const step = markingStep();
    const result = await spawnTree('bash', ['-s'], { input: wrapRemoteScript(step.script, {}, markers) });
    expect(result.stderr).toBe(markers.start);
    expect(step.ran()).toBe(false);
    expect(readRemoteOutcome(result.exitCode, result.stderr, markers)).toEqual({ exitCode: 255, stderr: '', finished: false });
  });

  it('runs nothing on a line that is not the go-ahead of this request', async () => {
    const step = markingStep();
    const other = createMarkers('feedbeef');
    const result = await spawnTree('bash', ['-s'], { input: wrapRemoteScript(step.script, {}, markers) + other.go });
    expect(step.ran()).toBe(false);
    expect(result.exitCode).toBe(255);
  });

  it('answers the start marker once, even split across reads after other output, and nothing before it', () => {
    const handshake = createHandshake(markers);
    expect(handshake.reply('motd says hi\n\0LAB-STA')).toBeUndefined();
    expect(handshake.started).toBe(false);
    expect(handshake.reply('RT-0123abcd')).toBeUndefined();
    expect(handshake.reply('\0step output')).toBe(markers.go);
    expect(handshake.started).toBe(true);
    expect(handshake.reply(markers.start)).toBeUndefined();
  });

  it('never takes a start marker of another request for its own', () => {
    const handshake = createHandshake(markers);
    expect(handshake.reply(createMarkers('feedbeef').start)).toBeUndefined();
    expect(handshake.started).toBe(false);
  });
});

describe('the watchdog', () => {
  it('stops the step when the runner goes away (stdin closes)', async () => {
    const result = await spawnTree('bash', ['-s'], {
      input: wrapRemoteScript('set -euo pipefail\nsleep 30\n', {}, markers) + markers.go,
    });
    expect(readRemoteOutcome(result.exitCode, result.stderr, markers)).toMatchObject({ exitCode: 143, finished: true });
    expect(result.stderr).not.toContain('Terminated');
  });
});

describe('readRemoteOutcome', () => {
  it('tells a connection that never started from a script that exited 255', () => {
    expect(readRemoteOutcome(255, 'ssh: connect to host x port 22: Connection refused\n', markers)).toMatchObject({
      finished: false,
      exitCode: 255,
    });
    expect(readRemoteOutcome(255, '\0LAB-START-0123abcd\0oops\0LAB-EXIT-0123abcd 255\0', markers)).toEqual({
      finished: true,
      exitCode: 255,
      stderr: 'oops',
    });
    expect(readRemoteOutcome(255, '\0LAB-START-0123abcd\0partial', markers)).toMatchObject({ finished: false, stderr: 'partial' });
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

describe('createMarkerFilter', () => {
  it('holds back what may begin a marker until the next read tells, and gives back what was not one', () => {
    const filter = createMarkerFilter(markers);
    expect(filter.push('out\0LAB-EX')).toBe('out');
    expect(filter.push('IT-0123abcd 1')).toBe('');
    expect(filter.push('3\0')).toBe('');
    expect(filter.push('binary\0')).toBe('binary');
    expect(filter.push('tail')).toBe('\0tail');
    expect(filter.push('end\0LAB')).toBe('end');
    expect(filter.end()).toBe('\0LAB');
  });
});

describe('runRemoteScript with --verbose', () => {
  it('streams stderr without the markers, even when they arrive split across reads', async () => {
    // bash -s whose stderr reaches the runner 3 bytes at a time, as a busy link may deliver it.
    const trickle = `
      const bash = require('node:child_process').spawn('bash', ['-s'], { stdio: ['inherit', 'inherit', 'pipe'] });
      const pieces = [];
      let writing = false;
      const next = () => {
        if (pieces.length === 0) { writing = false; if (bash.exitCode !== null) process.exit(bash.exitCode); return; }
        writing = true;
        process.stderr.write(pieces.shift(), () => setTimeout(next, 2));
      };
      bash.stderr.on('data', (chunk) => {
        for (let i = 0; i < chunk.length; i += 3) pieces.push(chunk.subarray(i, i + 3));
        if (!writing) next();
      });
      bash.on('exit', (code) => { if (!writing) process.exit(code); });
    `;
    const shown: string[] = [];
    const result = await runRemoteScript(process.execPath, ['-e', trickle], {
      host: 'node-0',
      script: 'echo oops >&2; echo out\n',
      env: {},
      root: false,
      timeoutMs: 20_000,
      signal: new AbortController().signal,
      scratchDir: '/nonexistent',
      onOutput: (stream, text) => {
        if (stream === 'stderr') shown.push(text);
      },
    });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'out\n', stderr: 'oops\n', started: true });
    expect(shown.length).toBeGreaterThan(10);
    expect(shown.join('')).toBe('oops\n');
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
