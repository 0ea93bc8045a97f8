import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalTransport } from '../../../runner/execute/transports/local.js';
import type { ScriptRequest, Transport } from '../../../runner/execute/transport.js';

let dir: string;
let scratchDir: string;
let transport: Transport;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'lab-local-'));
  scratchDir = path.join(dir, 'scratch');
  transport = createLocalTransport({ cwd: dir });
});
afterEach(async () => {
  await transport.close();
  rmSync(dir, { recursive: true, force: true });
});

function request(script: string, env: Record<string, string> = {}): ScriptRequest {
  return { host: 'workstation', script, env, root: false, timeoutMs: 20_000, signal: new AbortController().signal, scratchDir };
}

describe('the workstation transport', () => {
  it('writes no file with the script or the secrets it exports while the step runs', async () => {
    mkdirSync(scratchDir, { mode: 0o700 });
    const result = await transport.run(request(`ls -A ${JSON.stringify(scratchDir)}\n`, { TOKEN: 'abcdef.0123456789abcdef' }));
    expect(result).toMatchObject({ exitCode: 0, stdout: '' });
    expect(readdirSync(scratchDir)).toEqual([]);
  });

  it('carries what a step exports back, without the variables bash manages itself', async () => {
    const result = await transport.run(request('export JOINED="a b"; cd /\n', { GIVEN: 'x' }));
    expect(result.exportedEnv).toMatchObject({ JOINED: 'a b', GIVEN: 'x' });
    expect(Object.keys(result.exportedEnv ?? {})).not.toContain('PWD');
  });

  it('gives each step its own copy of an environment that did not change since the step before', async () => {
    const first = await transport.run(request('true\n', { KEPT: 'k' }));
    first.exportedEnv!.KEPT = 'changed by whoever read the first result';
    const second = await transport.run(request('true\n', { KEPT: 'k' }));
    expect(second.exportedEnv!.KEPT).toBe('k');
  });

  it('refuses a script holding a NUL byte with what went wrong, without running it', async () => {
    await expect(transport.run(request('touch ran\n', { CAPTURED: 'binary\0output' }))).rejects.toThrow(/NUL byte/);
    expect(readdirSync(dir)).not.toContain('ran');
    expect(await transport.run(request('echo next\n'))).toMatchObject({ exitCode: 0, stdout: 'next\n' });
  });
});
