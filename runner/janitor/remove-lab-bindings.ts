/**
 * The project's role bindings of the labs' nodes service accounts (chapter 3 grants them), removed
 * before the accounts go: once an account is deleted its bindings linger as
 * `deleted:serviceAccount:…?uid=N` members, which also count against the policy's size. Those of an
 * account deleted earlier are removed too. One binding at a time: each removal rewrites the policy.
 */
import type { Gcloud } from './find-lab-resources.js';
import type { LabSelector } from './lab-names.js';

export interface BindingResult {
  member: string;
  role: string;
  removed: boolean;
  error?: string;
}

interface Policy {
  bindings?: { role: string; members?: string[] }[];
}

const MEMBER = /^(deleted:)?serviceAccount:([a-z][-a-z0-9]*)-nodes@[^?\s]+(\?uid=\d+)?$/;

/** Each binding of a selected lab's nodes account: accounts about to be deleted, or deleted already. */
export function findLabBindings(
  policy: Policy,
  selector: LabSelector,
  goingAccounts: ReadonlySet<string>,
): { member: string; role: string }[] {
  return (policy.bindings ?? []).flatMap((binding) =>
    (binding.members ?? [])
      .filter((member) => {
        const match = MEMBER.exec(member);
        if (!match || !selector.matches(match[2]!)) return false;
        return match[1] !== undefined || goingAccounts.has(member.slice('serviceAccount:'.length));
      })
      .map((member) => ({ member, role: binding.role })),
  );
}

export async function removeLabBindings(
  gcloud: Gcloud,
  project: string,
  selector: LabSelector,
  goingAccounts: ReadonlySet<string>,
  onResult: (result: BindingResult) => void,
): Promise<BindingResult[] | { error: string }> {
  const args = ['projects', 'get-iam-policy', project, '--format', 'json'];
  const read = await gcloud(args, 120_000);
  let policy: Policy;
  try {
    if (read.exitCode !== 0) throw new Error(read.stderr.trim().split('\n').at(-1) || `exit status ${read.exitCode}`);
    policy = JSON.parse(read.stdout) as Policy;
  } catch (error) {
    return { error: `gcloud ${args.join(' ')} failed: ${(error as Error).message}` };
  }
  const results: BindingResult[] = [];
  for (const { member, role } of findLabBindings(policy, selector, goingAccounts)) {
    const removal = ['projects', 'remove-iam-policy-binding', project, '--member', member, '--role', role, '--all', '--format', 'none'];
    const result = await gcloud(removal, 120_000);
    const outcome: BindingResult =
      result.exitCode === 0
        ? { member, role, removed: true }
        : { member, role, removed: false, error: result.stderr.trim().split('\n').at(-1) || `exit status ${result.exitCode}` };
    onResult(outcome);
    results.push(outcome);
  }
  return results;
}
