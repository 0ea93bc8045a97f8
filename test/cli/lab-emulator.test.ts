/** `lab emulator`: the export lines a shell uses, Ctrl-C, and a state file that survives a restart. */
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { startLabEmulator } from '../helpers/lab-emulator.js';

const dir = mkdtempSync(path.join(tmpdir(), 'lab-emulator-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lab emulator', () => {
  it('prints export lines for a private gcloud configuration, stops on Ctrl-C, and keeps --state across a restart', async () => {
    const stateFile = path.join(dir, 'emulator.json');
    const first = await startLabEmulator(['--state', stateFile]);
    expect(Object.keys(first.env).sort()).toEqual(['CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE', 'CLOUDSDK_CONFIG']);
    expect(first.env.CLOUDSDK_CONFIG).not.toContain(path.join(process.env.HOME ?? '/root', '.config'));
    const gcloud = (env: Record<string, string>, args: string[]) => execa('gcloud', args, { env, reject: false, stdin: 'ignore' });
    const made = await gcloud(first.env, ['compute', 'networks', 'create', 'kept-net', '--subnet-mode', 'custom']);
    expect(made.exitCode, String(made.stderr)).toBe(0);
    await first.stop();
    expect(first.process.exitCode).toBe(0);
    expect(existsSync(first.env.CLOUDSDK_CONFIG!)).toBe(false);

    const second = await startLabEmulator(['--state', stateFile]);
    try {
      const listed = await gcloud(second.env, ['compute', 'networks', 'list', '--format', 'value(name)']);
      expect(String(listed.stdout)).toBe('kept-net');
    } finally {
      await second.stop();
    }
  }, 300_000);
});
