/** `lab check` through the real CLI: one finding per planted defect, none on clean books. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWorkspace, PROJECT_ROOT } from '../helpers/lab.js';

describe('lab check', () => {
  it('finds exactly one problem per planted defect, at its line, and exits 2', async () => {
    const workspace = createWorkspace('defects');
    const result = await workspace.lab(['check']);
    expect(result.exitCode).toBe(2);
    const findings = result.stdout.split('\n');
    const expected: [string, string][] = [
      ['docs/01-setup.md:3:74: The link to 04-missing.md leads nowhere', 'broken-link'],
      ['docs/01-setup.md:5:8: Unknown kind or flag `shel`; kinds are ', 'unknown-kind'],
      ['docs/01-setup.md:11:13: `$UNDEFINED_THING` is not defined befor', 'undefined-variable'],
      ['docs/01-setup.md:15:69: `gcloud compute networks create` has no', 'gcloud-command'],
      ['docs/01-setup.md:19:4: Quote this to prevent word splitting. (', 'SC2046'],
      ['docs/01-setup.md:25:15: Not valid YAML: Flow sequence in block c', 'bad-yaml'],
      ['docs/02-cluster.md:5:1: This step captures JOIN_TOKEN, a secret ', 'unmarked-secret'],
      ['docs/02-cluster.md:10:1: This step handles a secret; `set -x` wo', 'xtrace-secret'],
      ['docs/02-cluster.md:18:1: This ConfigMap has no metadata.name', 'k8s-object'],
      ['docs/02-cluster.md:30:1: `...` stands for any lines only alone o', 'output-ellipsis'],
      ['docs/99-draft.md:1:1: 99-draft.md is not in book.yaml; list it', 'unlisted-page'],
      ['snippets/kubeadm/cluster.yaml:8:5: apiServer.extraArgs is a list of {name, ', 'kubeadm-extra-args'],
    ];
    expect(findings).toHaveLength(expected.length);
    findings.forEach((finding, index) => {
      const [start, rule] = expected[index]!;
      expect(finding.startsWith(start), `${finding}\n  should start with\n${start}`).toBe(true);
      expect(finding.endsWith(`  ${rule}`), `${finding}\n  should end with its rule id ${rule}`).toBe(true);
    });
    expect(result.stderr).toContain('lab check: 12 problems in 4 files.');
  });

  it('finds each defect a real run would hit, planted once each, at its line, with its rule id', async () => {
    const result = await createWorkspace('defects-runtime').lab(['check']);
    expect(result.exitCode).toBe(2);
    expect(result.stdout.split('\n').map((line) => `${line.split(':').slice(0, 3).join(':')} ${line.split('  ').at(-1)}`)).toEqual([
      'docs/01-defects.md:5:18 needs-root',
      'docs/01-defects.md:9:1 set-e-and-list',
      'docs/01-defects.md:14:1 version-dependent-output',
      'docs/01-defects.md:22:18 kubectl-command',
      'docs/01-defects.md:26:48 gcloud-value',
      'docs/01-defects.md:27:40 gcloud-filter-match',
      'docs/01-defects.md:27:71 gcloud-format',
      'docs/book.yaml:9:49 kubectl-command',
      'snippets/pod.yaml:9:7 k8s-unknown-field',
    ]);
  });

  it('prints the findings as JSON with --json, with stable field names', async () => {
    const workspace = createWorkspace('defects');
    const result = await workspace.lab(['check', '--json']);
    expect(result.exitCode).toBe(2);
    const report = JSON.parse(result.stdout) as { problems: Record<string, unknown>[]; skipped: string[]; chapters: number; steps: number };
    expect(Object.keys(report)).toEqual(['problems', 'skipped', 'chapters', 'steps']);
    expect(report.problems).toHaveLength(12);
    expect(report.problems[0]).toEqual({
      file: 'docs/01-setup.md',
      line: 3,
      column: 74,
      rule: 'broken-link',
      message: 'The link to 04-missing.md leads nowhere: docs/04-missing.md does not exist',
    });
    expect(report.skipped).toEqual([]);
  });

  it.each(['workstation', 'fleet', 'interrupt', 'clean-runtime'])('finds nothing in the clean %s fixture', async (fixture) => {
    const result = await createWorkspace(fixture).lab(['check']);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^lab check: no problems in \d+ chapters and \d+ steps\.$/);
    expect(result.exitCode).toBe(0);
  });

  it('finds nothing in the book itself', async () => {
    const workspace = createWorkspace('workstation');
    const result = await workspace.lab(['check', '--book', path.join(PROJECT_ROOT, 'docs')]);
    expect(result.stdout).toBe('');
    expect(result.exitCode).toBe(0);
  });

  it('with --online, says which upstream files it could not fetch, and checks nothing of them', async () => {
    const offline = await createWorkspace('online').lab(['check']);
    expect(offline.stderr).toBe('lab check: no problems in 1 chapters and 1 steps.');
    const result = await createWorkspace('online').lab(['check', '--online']);
    // Port 1 is closed, and fetch refuses it outright ("bad port"): nothing is ever fetched.
    expect(result.stderr).toMatch(
      /^lab check: skipped: -f http:\/\/127\.0\.0\.1:1\/net\.yaml was not checked: http:\/\/127\.0\.0\.1:1\/net\.yaml could not be fetched: \S/m,
    );
    expect(result.stdout).toBe('');
    expect(result.exitCode).toBe(0);
  });

  it('says out loud which parts it skipped when a tool is missing', async () => {
    const workspace = createWorkspace('defects');
    const result = await workspace.lab(['check'], { PATH: '/nonexistent' });
    expect(result.stderr).toContain('lab check: skipped: gcloud commands were not checked: gcloud is not installed');
    expect(result.stderr).toContain(
      'lab check: skipped: shell blocks were not checked by shellcheck: it is not installed (apt-get install shellcheck)',
    );
    expect(result.stderr).toContain(
      'lab check: skipped: kubectl commands were not checked: kubectl is not installed (gcloud components install kubectl)',
    );
    expect(result.stdout).not.toContain('shellcheck SC');
    expect(result.stdout).not.toContain('has no flag');
    expect(result.exitCode).toBe(2);
  });
});
