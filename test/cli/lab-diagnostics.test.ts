/**
 * After a failure: diagnostics only where they can say something true, and a last line that
 * keeps the real error and says what to run next.
 */
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkspace, type Workspace } from '../helpers/lab.js';

const workspaces: Workspace[] = [];
afterEach(() => {
  for (const workspace of workspaces.splice(0)) rmSync(workspace.dir, { recursive: true, force: true });
});
function workspace(fixture: string): Workspace {
  const made = createWorkspace(fixture);
  workspaces.push(made);
  return made;
}

/**
 * The fleet book with a kubectl diagnostic and a first step on the workstation that fails, so no
 * host has been reached; a kubectl on PATH that records which kubeconfig it was given.
 */
function failingFleet(firstSteps: string): { lab: Workspace; env: Record<string, string> } {
  const lab = workspace('fleet');
  lab.edit('docs/book.yaml', 'diagnostics:\n', 'diagnostics:\n  - title: Nodes\n    run: kubectl get nodes\n');
  lab.edit(
    'docs/01-fleet.md',
    '# A small fleet\n',
    `# A small fleet\n\n${firstSteps}\n\`\`\`sh {sh id=breaks}\necho "the real error" >&2\nexit 7\n\`\`\`\n`,
  );
  lab.write(
    'hosts.yaml',
    'hosts:\n  controller-0: { address: 127.0.0.1, port: 9 }\n  worker-0: { address: 127.0.0.1, port: 9 }\n  worker-1: { address: 127.0.0.1, port: 9 }\n',
  );
  mkdirSync(path.join(lab.dir, 'bin'));
  writeFileSync(
    path.join(lab.dir, 'bin/kubectl'),
    `#!/bin/sh\necho "kubectl read $KUBECONFIG" >> "${lab.dir}/kubectl-calls"\necho "nodes of $KUBECONFIG"\n`,
  );
  chmodSync(path.join(lab.dir, 'bin/kubectl'), 0o755);
  // The reader's own cluster, which the lab must never ask about.
  writeFileSync(path.join(lab.dir, 'workstation.conf'), 'apiVersion: v1\nkind: Config\n');
  return { lab, env: { PATH: `${path.join(lab.dir, 'bin')}:${process.env.PATH}`, KUBECONFIG: path.join(lab.dir, 'workstation.conf') } };
}

describe('diagnostics after a failure', () => {
  it("skips hosts no step has reached and kubectl without the lab's kubeconfig, in one line, and ends on the real error", async () => {
    const { lab, env } = failingFleet('');
    const result = await lab.lab(['run', 'chapter-1', '--inventory', 'hosts.yaml'], env);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).not.toContain('Could not connect');
    expect(result.stdout).toContain(
      "Diagnostics skipped: Nodes: the lab has no kubeconfig yet (no step has exported KUBECONFIG), and the workstation's own is not the lab's; Which workers answer on worker-0, worker-1: no step has reached them yet.",
    );
    expect(() => lab.read('kubectl-calls')).toThrow();
    expect(result.stdout).toContain('◆ What the workstation knows on workstation');
    const last = result.stdout.trimEnd().split('\n').slice(-2);
    expect(last[0]).toMatch(/^✖ Failed at breaks \(docs\/01-fleet\.md:\d+\) after .* Resume with `lab run chapter-1`\.$/);
    expect(last[1]).toBe('  workstation: exit status 7');
  });

  it("runs kubectl diagnostics with the kubeconfig a step exported, never the workstation's", async () => {
    const { lab, env } = failingFleet('```sh {sh}\nexport KUBECONFIG="$LAB_OUT/lab.conf"\ntouch "$KUBECONFIG"\n```\n');
    const result = await lab.lab(['run', 'chapter-1', '--inventory', 'hosts.yaml'], env);
    expect(result.exitCode).toBe(1);
    expect(lab.read('kubectl-calls')).toBe(`kubectl read ${lab.dir}/lab.conf\n`);
    expect(result.stdout).toContain(`│ nodes of ${lab.dir}/lab.conf`);
  });
});

describe('the last line after `--all` fails', () => {
  it('says the cleanup chapter removed what the run built and to start over, not to resume', async () => {
    const lab = workspace('workstation');
    lab.edit('docs/02-checks.md', '```sh {sh exit=3}\nexit 3\n', '```sh {sh exit=3}\nexit 4\n');
    const result = await lab.lab(['run', '--all']);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('chapter-3 passed');
    expect(result.stdout).not.toContain('Resume with');
    // What that last line says is what the state holds: nothing has passed any more.
    expect((await lab.lab(['status'])).stdout).toContain('Next: lab run chapter-1  (Basics)');
    expect(result.stdout).toMatch(
      /✖ Failed at 02-checks-\d \(docs\/02-checks\.md:\d+\) after .*\. The cleanup chapter \(chapter-3\) then removed what the run built, and the progress with it: fix the step, then start over with `lab run --all`\.\n {2}workstation: exit status 4, expected 3/,
    );
  });
});
