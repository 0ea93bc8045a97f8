/**
 * Steps on hosts through the real CLI: OpenSSH servers on loopback addresses stand in for the
 * instances, reached through a hosts file (`--inventory`).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processesMatching } from '../helpers/processes.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type Workspace } from '../helpers/lab.js';
import { startSshHosts, type SshHosts } from '../helpers/ssh-hosts.js';

const HOSTS = ['controller-0', 'worker-0', 'worker-1'];
const TOKEN = 'abcdef.0123456789abcdef';
let fleet: SshHosts;

beforeAll(async () => {
  fleet = await startSshHosts(HOSTS);
});
afterAll(() => fleet?.stopAll());

function fleetWorkspace(overrides?: Parameters<SshHosts['writeInventory']>[1]): Workspace {
  const workspace = createWorkspace('fleet');
  fleet.writeInventory(path.join(workspace.dir, 'hosts.yaml'), overrides);
  return workspace;
}

async function waitForText(file: string, text: string, count = 1): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if (readFileSync(file, 'utf8').split(text).length - 1 >= count) return;
    } catch {
      // not there yet
    }
    await sleep(50);
  }
  throw new Error(`${file} never held ${count} × ${text}`);
}

describe('steps on hosts', () => {
  it('runs on single hosts, groups and all, carries captured values across hosts, and writes files over ssh', async () => {
    const workspace = fleetWorkspace();
    const result = await workspace.lab(['run', '--all', '--inventory', 'hosts.yaml', '--report', 'report.json', '--report', 'junit.xml']);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    // Captured on controller-0, used on both workers.
    expect(workspace.read('token-127.0.0.3').trim()).toBe(TOKEN);
    expect(workspace.read('token-127.0.0.4').trim()).toBe(TOKEN);
    expect(readdirSync(workspace.dir).filter((name) => name.startsWith('token-'))).toHaveLength(2);
    expect(result.stdout).not.toContain(TOKEN);
    expect(result.stdout).toContain('✔ as-root id -u [kubeadm on controller-0]');

    const report = JSON.parse(workspace.read('report.json'));
    const join = report.steps.filter((step: { id: string }) => step.id === 'join');
    expect(join.map((step: { host: string; status: string }) => `${step.host}:${step.status}`)).toEqual([
      'worker-0:passed',
      'worker-1:passed',
    ]);
    expect(report.steps.filter((step: { id: string }) => step.id === 'file-arrived')).toHaveLength(2);
    expect(workspace.read('junit.xml')).toContain(
      'name="join on worker-1: server=$(echo &quot;$SSH_CONNECTION&quot; | cut -d&apos; &apos; -f3)"',
    );
    expect(workspace.read('report.json') + workspace.read('junit.xml')).not.toContain(TOKEN);
  });

  it('with --prove-checks, runs a check on each of its hosts before the chapter, where it fails', async () => {
    const workspace = fleetWorkspace();
    const result = await workspace.lab(['run', 'chapter-1', '--inventory', 'hosts.yaml', '--prove-checks', '--report', 'report.json']);
    expect(result.exitCode, result.stdout).toBe(0);
    const report = JSON.parse(workspace.read('report.json'));
    const early = report.earlyChecks.map((check: { id: string; host: string; status: string; failure: { tail: string } }) => [
      check.id,
      check.host,
      check.status,
      check.failure.tail,
    ]);
    expect(early).toEqual([
      ['file-arrived', 'worker-0', 'failed', expect.stringContaining('kubeadm.yaml: No such file or directory')],
      ['file-arrived', 'worker-1', 'failed', expect.stringContaining('kubeadm.yaml: No such file or directory')],
    ]);
  });

  it('shows each host its own output, prefixed with its name, with --verbose', async () => {
    const workspace = fleetWorkspace();
    const result = await workspace.lab(['run', 'chapter-1', '--inventory', 'hosts.yaml', '--verbose']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('worker-0 │ worker at 127.0.0.3 joined with ***');
    expect(result.stdout).toContain('worker-1 │ worker at 127.0.0.4 joined with ***');
  });

  it('runs a group step on every host at once', async () => {
    const workspace = fleetWorkspace();
    const result = await workspace.lab(['run', 'chapter-1', '--inventory', 'hosts.yaml', '--report', 'r.json'], { NAP: '1' });
    const naps = JSON.parse(workspace.read('r.json')).steps.filter((step: { id: string }) => step.id === 'nap');
    expect(naps.map((step: { host: string; status: string }) => `${step.host}:${step.status}`)).toEqual([
      'controller-0:passed',
      'worker-0:passed',
      'worker-1:passed',
    ]);
    // Three one-second naps side by side, not one after another.
    const seconds = Number(/✔ nap .*\] (\d+\.\d)s/.exec(result.stdout)?.[1]);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThan(2.5);
  });
});

describe('a failure with --all', () => {
  it("collects the book's diagnostics from the workstation and the hosts, then cleans up", async () => {
    const workspace = fleetWorkspace();
    workspace.edit('docs/01-fleet.md', 'id -u\n', 'id -u\nexit 3\n');
    const result = await workspace.lab(['run', '--all', '--inventory', 'hosts.yaml', '--report', 'report.json']);
    expect(result.exitCode).toBe(1);
    const diagnostics = result.stdout.indexOf('A step failed: collecting diagnostics before anything is cleaned up.');
    const cleanup = result.stdout.indexOf('chapter-2 · Cleanup');
    expect(diagnostics).toBeGreaterThan(0);
    expect(cleanup).toBeGreaterThan(diagnostics);
    expect(result.stdout).toContain('◆ Which workers answer on worker-1, exit status 0');
    expect(result.stdout).toContain('│ the join token is ***');
    const report = JSON.parse(workspace.read('report.json'));
    expect(report.diagnostics).toEqual([
      { title: 'What the workstation knows', host: 'workstation', exitCode: 0, output: 'the join token is ***\n' },
      // On a host, diagnostics run as root (journals are root's to read).
      { title: 'Which workers answer', host: 'worker-0', exitCode: 0, output: 'uid 0 answers\n' },
      { title: 'Which workers answer', host: 'worker-1', exitCode: 0, output: 'uid 0 answers\n' },
    ]);
    expect(workspace.read('report.json')).not.toContain(TOKEN);
  });
});

describe('a broken hosts file', () => {
  it('stops the run before any step, pointing at the line', async () => {
    const workspace = fleetWorkspace();
    workspace.write('hosts.yaml', 'hosts:\n  controller-0: { address: 127.0.0.2 }\n  worker-9: { address: 127.0.0.9 }\n');
    const result = await workspace.lab(['run', 'chapter-1', '--inventory', 'hosts.yaml']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('hosts.yaml:3:13: `worker-9` is no host of the book; its hosts are controller-0, worker-0, worker-1');
    expect(result.stdout).toBe('');
  });
});

describe('faults', () => {
  it('names an unreachable host, after retrying the connection', async () => {
    const workspace = fleetWorkspace({ 'worker-1': { address: '127.0.0.9' } });
    const result = await workspace.lab(['run', 'chapter-1', '--inventory', 'hosts.yaml']);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('✖ 01-fleet-1 failed on worker-1');
    expect(result.stdout).toMatch(/worker-1: Could not connect to worker-1: .*127\.0\.0\.9.*Connection refused/);
    const log = workspace.read('.lab/logs/chapter-1/01-fleet-1.worker-1.log');
    expect(log).toContain('attempt 1');
  });

  it('does not mistake a script that exits 255 for a lost connection', async () => {
    const workspace = fleetWorkspace();
    workspace.edit('docs/01-fleet.md', 'id -u\n', 'id -u\n(exit 255) || echo "inner 255 is fine"\n');
    workspace.write(
      'docs/02-cleanup.md',
      '# Cleanup\n\n```sh {sh on=worker-0 exit=255}\nexit 255\n```\n\n```sh {sh on=worker-1}\necho before; exit 255\n```\n',
    );
    const result = await workspace.lab(['run', '--all', '--inventory', 'hosts.yaml', '--report', 'r.json']);
    expect(result.exitCode).toBe(1);
    const steps = JSON.parse(workspace.read('r.json')).steps;
    expect(steps.find((step: { id: string }) => step.id === '02-cleanup-1')).toMatchObject({
      status: 'passed',
      exitCode: 255,
      attempts: 1,
    });
    expect(steps.find((step: { id: string }) => step.id === '02-cleanup-2')).toMatchObject({
      status: 'failed',
      exitCode: 255,
      attempts: 1,
      failure: { reason: 'exit', message: 'exit status 255' },
    });
  });

  it('says which host it lost when sshd dies in the middle of a step, and never starts it again beside a copy that may still run', async () => {
    const workspace = fleetWorkspace();
    workspace.edit('docs/01-fleet.md', '{sh on=all id=nap}', '{sh on=worker-0 id=nap retries=1}');
    const run = workspace.start(['run', 'chapter-1', '--inventory', 'hosts.yaml'], { NAP: '3' });
    await waitForText(path.join(workspace.dir, 'naps'), 'napping on 127.0.0.3');
    fleet.stop('worker-0');
    await fleet.start('worker-0');
    const result = await run;
    expect(result.stdout).toContain(
      'worker-0: The connection to worker-0 was lost during the step. It may still be running there, so it is not started again.',
    );
    expect(result.stdout).not.toContain('retrying');
    expect(result.exitCode).toBe(1);
  });

  it('fails with the host named when a lost step may not be retried', async () => {
    const workspace = fleetWorkspace();
    workspace.edit('docs/01-fleet.md', '{sh on=all id=nap}', '{sh on=worker-1 id=nap}');
    const run = workspace.start(['run', 'chapter-1', '--inventory', 'hosts.yaml'], { NAP: '5' });
    await waitForText(path.join(workspace.dir, 'naps'), 'napping on 127.0.0.4');
    fleet.stop('worker-1');
    const result = await run;
    await fleet.start('worker-1');
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('✖ nap failed on worker-1');
    expect(result.stdout).toContain('worker-1: The connection to worker-1 was lost during the step.');
  });

  it('leaves no process behind, here or on the hosts, after Ctrl-C during a fan-out', async () => {
    const workspace = fleetWorkspace();
    const nap = `300.${process.pid}${Math.floor(Math.random() * 1e6)}`;
    const run = workspace.start(['run', 'chapter-1', '--inventory', 'hosts.yaml'], { NAP: nap });
    await waitForText(path.join(workspace.dir, 'naps'), 'napping', 3);
    await sleep(200);
    expect(processesMatching(`sleep ${nap}`)).toHaveLength(3);
    run.kill('SIGINT');
    const result = await run;
    expect(result.exitCode).toBe(130);
    expect(result.stdout).toContain('■ nap');
    // The remote watchdogs stop the steps within their 2 s grace.
    for (let i = 0; i < 60 && processesMatching(`sleep ${nap}`).length > 0; i++) await sleep(100);
    expect(processesMatching(`sleep ${nap}`)).toEqual([]);
    expect(processesMatching(`ssh -F ${workspace.dir}`)).toEqual([]);
  });

  it('takes the steps on the hosts and its ssh masters with it when it is killed with SIGKILL', async () => {
    const workspace = fleetWorkspace();
    const nap = `300.${process.pid}${Math.floor(Math.random() * 1e6)}`;
    const run = workspace.start(['run', 'chapter-1', '--inventory', 'hosts.yaml'], { NAP: nap });
    await waitForText(path.join(workspace.dir, 'naps'), 'napping', 3);
    await sleep(200);
    expect(processesMatching(`ssh -F ${workspace.dir}`).length).toBeGreaterThan(0);
    run.kill('SIGKILL');
    await run;
    for (let i = 0; i < 60 && processesMatching(`sleep ${nap}|ssh -F ${workspace.dir}`).length > 0; i++) await sleep(100);
    expect(processesMatching(`sleep ${nap}`)).toEqual([]);
    expect(processesMatching(`ssh -F ${workspace.dir}`)).toEqual([]);
  });
});

describe('control sockets', () => {
  it('fit in a Unix socket path with a long TMPDIR (as on macOS), in a folder only this user can enter', async () => {
    const workspace = fleetWorkspace();
    const longTmp = path.join(workspace.dir, 'a-temporary-folder-as-long-as-the-one-macos-gives-each-user-0123456789');
    mkdirSync(longTmp);
    const run = workspace.start(['run', 'chapter-1', '--inventory', 'hosts.yaml'], { TMPDIR: longTmp, NAP: '2' });
    await waitForText(path.join(workspace.dir, 'naps'), 'napping', 3);
    const config = readFileSync(path.join(workspace.dir, '.lab/ssh/config'), 'utf8');
    const socketDir = path.dirname(/ControlPath (\S+)/.exec(config)![1]!);
    expect(statSync(socketDir).mode & 0o777).toBe(0o700);
    expect(statSync(socketDir).uid).toBe(process.getuid!());
    const result = await run;
    expect(result.exitCode, String(result.stdout)).toBe(0);
    expect(existsSync(socketDir)).toBe(false);
  });
});
