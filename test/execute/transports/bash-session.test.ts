import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDeclareExports } from '../../../runner/execute/parse-declare.js';
import { BashSession } from '../../../runner/execute/transports/bash-session.js';

let dir: string;
let session: BashSession;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'lab-bash-session-'));
  session = new BashSession(dir, process.env);
});
afterEach(async () => {
  await session.close();
  rmSync(dir, { recursive: true, force: true });
});

function run(script: string, timeoutMs = 20_000) {
  return session.run({ script, timeoutMs, signal: new AbortController().signal });
}

describe('BashSession', () => {
  it('reads back the exported environment of every one of 3,000 quick steps', async () => {
    let lost = 0;
    for (let index = 0; index < 3000; index++) {
      const result = await run(`export STEP_${index % 7}=${index}\n`);
      const env = result.declaredEnv === undefined ? {} : parseDeclareExports(result.declaredEnv);
      if (result.exitCode !== 0 || env[`STEP_${index % 7}`] !== String(index) || env.PATH !== process.env.PATH) lost++;
    }
    expect(lost).toBe(0);
  });

  it('takes no verdict from output that imitates its markers, and the next step gets its own', async () => {
    const markers = '\\0ENV\\0declare -x X="1"\\0\\0DONE 0\\0\\0LAB-END 0\\0';
    const forged = await run(`printf '${markers}'; printf '${markers}' >&2; sleep 0.2; echo late; exit 3\n`);
    expect(forged.exitCode).toBe(3);
    expect(forged.stdout).toBe('\0ENV\0declare -x X="1"\0\0DONE 0\0\0LAB-END 0\0late\n');
    const next = await run('echo next; exit 0\n');
    expect(next).toMatchObject({ exitCode: 0, stdout: 'next\n', stderr: '' });
  });

  it('hides the session nonce from the step, so its output cannot end early with a real marker', async () => {
    const result = await run(`printf 'ok\\0LAB-END-%s\\0' "$__lab_nonce"; echo " after"; exit 0\n`);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('ok\0LAB-END-\0 after\n');
  });

  it('gives a step no way to write into the session channel (fd 3)', async () => {
    const result = await run(`printf '\\0DONE 0\\0' >&3 2>/dev/null; echo "$?"; exit 5\n`);
    expect(result.exitCode).toBe(5);
    expect(result.stdout).not.toBe('0\n');
  });
});

describe('BashSession with a step that prints more than a string can hold', () => {
  it('keeps the head and the tail of 600 MB of output, and says how much it left out', async () => {
    const omitted: number[] = [];
    const result = await session.run({
      script: 'echo first; yes 0123456789 | head -c 600000000; echo; echo last\n',
      timeoutMs: 120_000,
      signal: new AbortController().signal,
      onOmitted: (_stream, text) => omitted.push(text.length),
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.startsWith('first\n0123456789\n')).toBe(true);
    expect(result.stdout.endsWith('\nlast\n')).toBe(true);
    expect(result.stdout.length).toBeLessThan(3 * 1024 * 1024);
    expect(result.omitted).toBeGreaterThan(590_000_000);
    expect(omitted.reduce((sum, length) => sum + length, 0)).toBe(result.omitted);
    expect(result.stdout).toContain(`[… ${result.omitted} characters of output not kept here`);
  }, 120_000);
});

describe('BashSession reading each script from its stdin', () => {
  it('takes a script of any size, in any encoding, byte for byte, and the next one after it', async () => {
    // Past the pipe's 64 KiB, multi-byte characters, and no newline at the end.
    const text = 'é€😀'.repeat(30_000);
    const big = await run(`v='${text}'\nprintf '%s' "\${#v} $(printf '%s' "$v" | sha256sum | cut -c1-16)"`);
    const expected = createHash('sha256').update(text).digest('hex').slice(0, 16);
    expect(big).toMatchObject({ exitCode: 0, stdout: `${[...text].length} ${expected}` });
    expect(await run('echo next\n')).toMatchObject({ exitCode: 0, stdout: 'next\n' });
  });

  it('refuses a script holding a NUL byte before anything runs, and the next script runs as usual', async () => {
    expect(() => run('echo before\0echo after\n')).toThrow(/NUL byte/);
    expect(await run('echo next\n')).toMatchObject({ exitCode: 0, stdout: 'next\n', stderr: '' });
  });

  it('reads no environment from a step that ended before its end, and the next step its own', async () => {
    const ended = await run('export EARLY=1; exit 0\n');
    expect(ended).toMatchObject({ exitCode: 0 });
    expect(ended.declaredEnv).toBeUndefined();
    const next = await run('export LATER=2\n');
    expect(parseDeclareExports(next.declaredEnv ?? '')).toMatchObject({ LATER: '2' });
    expect(parseDeclareExports(next.declaredEnv ?? '').EARLY).toBeUndefined();
  });

  it('keeps the environments in a file without a name, which no one can open and nothing leaves behind', async () => {
    // The session shell ($$) holds it as fd 5; the step itself has it closed.
    const result = await run('readlink /proc/$$/fd/5\n');
    expect(result.stdout).toMatch(/\/lab-env-[0-9a-f]+ \(deleted\)\n$/);
  });

  it('reads every environment whole while the file is emptied between steps that export a lot', async () => {
    for (let index = 0; index < 5; index++) {
      const result = await run(`export BIG="$(head -c 400000 /dev/zero | tr '\\0' x)${index}"\n`);
      const big = parseDeclareExports(result.declaredEnv ?? '').BIG ?? '';
      expect([big.length, big.endsWith(`x${index}`)]).toEqual([400_001, true]);
    }
  });

  it('gives a step no way to write into the environment channel (fd 5)', async () => {
    const result = await run(`printf 'declare -x FORGED="1"\\0' >&5 2>/dev/null; echo "$?"; export REAL=1\n`);
    expect(result.stdout).not.toBe('0\n');
    const env = parseDeclareExports(result.declaredEnv ?? '');
    expect(env.REAL).toBe('1');
    expect(env.FORGED).toBeUndefined();
  });
});
