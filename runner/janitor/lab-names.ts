/**
 * The naming convention that makes a lab's resources unambiguous, whatever other labs share the
 * project. A lab is named by its PREFIX; the book names every resource it creates
 * `${PREFIX}-<role>`, the role taken from a fixed list (ROLES, and one per host of book.yaml), and
 * labels instances and disks `lab=${PREFIX}` exactly. No role is another role with a leading
 * `<word>-`, so `kubeadm-lab-2-net` cannot be read as a resource of `kubeadm-lab`: a name belongs
 * to lab L only when it is exactly `L-<role>`. Everything else the lab owns (the CCM's load
 * balancers, firewall rules and health checks, whose names carry a Service's UID or a cluster ID
 * but never the prefix) is found by what ties it to those resources: the lab's network, the
 * lab's instances, the pools and rules that use it.
 */

/**
 * The roles of the book's resources besides its hosts. test/janitor/lab-names.test.ts checks that
 * every `${PREFIX}-…` name a chapter's `gcloud compute … create` makes is here.
 */
export const ROLES = [
  'net', // chapter 3: the network
  'subnet', // chapter 3
  'allow-internal', // chapter 3: firewall rules
  'allow-external', // chapter 3
  'api', // chapter 3: the API's address; chapter 5: its health check, backend service, forwarding rule
  'allow-health-checks', // chapter 5: a firewall rule
  'controllers', // chapter 5: the instance group
] as const;

/** A lab name: a GCE name (and label value) that leaves room for `-<role>`. */
const LAB_NAME = /^[a-z](?:[-a-z0-9]{0,40}[a-z0-9])?$/;

/**
 * Which labs the janitor acts on: one lab by its exact name, or a family `NAME-*` (the nightly's
 * `kubeadm-ci-*`: every lab named `kubeadm-ci-<token>`, the token letters and digits only, so
 * `kubeadm-ci-*` never takes `kubeadm-ci-1-old`'s resources for `kubeadm-ci-1`'s, nor `kubeadm-lab`).
 */
export interface LabSelector {
  /** As the user wrote it, for messages. */
  text: string;
  matches(lab: string): boolean;
}

export class LabSelectorError extends Error {
  override name = 'LabSelectorError';
}

export function parseLabSelector(text: string): LabSelector {
  const family = text.endsWith('-*') ? text.slice(0, -2) : undefined;
  const name = family ?? text;
  if (!LAB_NAME.test(name)) {
    throw new LabSelectorError(
      `--prefix \`${text}\` is not a lab name: use lowercase letters, digits and - (at most 42, starting with a letter), ` +
        'optionally ending in -* for every lab named NAME-<letters and digits>',
    );
  }
  const token = /^[a-z0-9]+$/;
  return {
    text,
    matches: family ? (lab) => lab.startsWith(`${family}-`) && token.test(lab.slice(family.length + 1)) : (lab) => lab === name,
  };
}

/**
 * The CCM's names that carry the cluster ID, which chapter 11 sets to the lab's PREFIX (the
 * ConfigMap kube-system/ingress-uid). Whether `name` is exactly `k8s-LAB-<suffix>` for a lab the
 * selector takes: the shared node health check `k8s-<id>-node` (a legacy
 * HTTP health check) and its firewall rules `k8s-<id>-node-http-hc` and `k8s-<id>-node-hc`.
 * Source: kubernetes/cloud-provider-gcp at the book's CCM_VERSION tag (v36.2.4),
 * providers/gce/gce_loadbalancer_naming.go (MakeNodesHealthCheckName, MakeHealthCheckFirewallName,
 * makeHealthCheckFirewallName). Per Service, the CCM names its forwarding rule, target pool,
 * address and firewall rules `k8s-fw-` and `k8s-fw-…-deny` after `a<Service UID>`: those are
 * found by what they point at, or by the lab's network.
 */
export function isNamedByCcmFor(name: string, selector: LabSelector, suffixes: readonly string[]): boolean {
  return (
    name.startsWith('k8s-') && suffixes.some((suffix) => name.endsWith(`-${suffix}`) && selector.matches(name.slice(4, -suffix.length - 1)))
  );
}

/** Whether `name` is exactly `LAB-<role>` for a lab the selector takes (and one of the given roles). */
export function isNamedByLab(name: string, selector: LabSelector, roles: readonly string[]): boolean {
  return roles.some((role) => name.endsWith(`-${role}`) && selector.matches(name.slice(0, -role.length - 1)));
}
