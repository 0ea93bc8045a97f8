/**
 * A host step that runs as the ssh user (no `root` flag; apt, kubeadm and file steps always run as
 * root) must not read what only root can: it fails with "Permission denied" on a real machine.
 */
import path from 'node:path';
import { WORKSTATION, type CommandStep } from '../book/types.js';
import type { Problem } from '../book/problems.js';
import { locateInBlock, problemAt } from './locate.js';
import type { Rule } from './rule.js';
import { scanShell, type Word } from './scan-shell.js';

/** What only root may read on a node, and why (each with its source). */
export const ROOT_ONLY_PATHS: readonly { pattern: RegExp; what: string; why: string }[] = [
  {
    pattern: /^\/etc\/kubernetes\/pki\/.*\.key$/,
    what: 'a private key under /etc/kubernetes/pki',
    why: 'keys are written with mode 0600 (client-go util/keyutil/key.go WriteKey, which kubeadm uses; the book writes its own with mode=0600)',
  },
  {
    pattern: /^\/etc\/kubernetes\/[^/]+\.conf$/,
    what: 'a kubeconfig kubeadm wrote in /etc/kubernetes',
    why: "kubeconfigs are written with mode 0600 (client-go tools/clientcmd/loader.go WriteToFile, through kubeadm's kubeconfig phase)",
  },
  {
    pattern: /^\/var\/lib\/kubelet(\/|$)/,
    what: "the kubelet's directory /var/lib/kubelet",
    why: 'the kubelet makes it with mode 0750, owned by root (pkg/kubelet/kubelet.go setupDataDirs)',
  },
  {
    pattern: /^\/run\/containerd\/containerd\.sock$/,
    what: "containerd's socket",
    why: 'it is root:root with mode 0660 (containerd pkg/sys/socket_unix.go GetLocalListener; grpc uid and gid default to 0)',
  },
];

/** Commands that need root whatever their arguments. */
export const ROOT_ONLY_TOOLS: Record<string, string> = {
  crictl: "it talks to containerd's socket, root:root with mode 0660 (containerd pkg/sys/socket_unix.go GetLocalListener)",
  ctr: "it talks to containerd's socket, root:root with mode 0660 (containerd pkg/sys/socket_unix.go GetLocalListener)",
};

/** journalctl -u UNIT reads the system journal: root, or the groups systemd-journal, adm and wheel (journalctl(1), "Description"). */
const JOURNAL_WHY =
  'only root and the members of systemd-journal, adm or wheel may read the system journal (journalctl(1)), and the ssh user is no member of them on every machine';

export function checkPrivilege(steps: CommandStep[]): Problem[] {
  const problems: Problem[] = [];
  for (const step of steps) {
    if (step.root || (step.target.length === 1 && step.target[0] === WORKSTATION)) continue;
    let directory: string | undefined;
    for (const command of scanShell(step.script).commands) {
      const words = command.filter((word) => !/^[A-Za-z_][A-Za-z0-9_]*\+?=/.test(word.text));
      if (words[0]?.value === 'sudo') continue;
      const name = words[0]?.value ?? '';
      const report = (word: Word, what: string, why: string) =>
        problems.push(
          problemAt(
            locateInBlock(step.position, step.script, word.offset),
            `This step runs as the ssh user but ${what}: ${why}. Add \`root\` to the step's attributes`,
            'needs-root',
          ),
        );
      if (name === 'cd' && words[1] && !words[1].value.includes('\0')) directory = path.posix.resolve(directory ?? '/', words[1].value);
      if (ROOT_ONLY_TOOLS[name]) {
        report(words[0]!, `runs ${name}`, ROOT_ONLY_TOOLS[name]);
        continue;
      }
      if (name === 'journalctl' && words.some((word) => /^(-u|--unit(=|$))/.test(word.value))) {
        report(words[0]!, 'reads the journal of a system unit', JOURNAL_WHY);
        continue;
      }
      for (const word of words.slice(1)) {
        // `-in=ca.key`, `--kubeconfig=/etc/...`: the path is what follows the last `=`.
        const value = word.value.replace(/^-[^=]*=/, '').replace(/^[<>]+/, '');
        if (value === '' || value.includes('\0') || value.startsWith('-')) continue;
        const absolute = value.startsWith('/') ? value : directory ? path.posix.resolve(directory, value) : undefined;
        const found = absolute && ROOT_ONLY_PATHS.find((entry) => entry.pattern.test(absolute));
        if (found) report(word, `reads ${found.what} (${absolute})`, found.why);
      }
    }
  }
  return problems;
}

const fence = '```';

export const privilegeRule: Rule = {
  name: 'privilege',
  doc: {
    summary:
      'A host step without `root` reads no private key under /etc/kubernetes/pki, no kubeconfig of /etc/kubernetes, nothing under /var/lib/kubelet, no journal of a system unit, and runs no crictl or ctr (`needs-root`).',
    bad: {
      chapter: `${fence}sh {check on=controllers}\ncd /etc/kubernetes/pki\nopenssl pkey -in ca.key -noout\ncrictl ps\n${fence}\n`,
      findings: ['3:18 needs-root', '4:1 needs-root'],
    },
    good: {
      chapter: `${fence}sh {check on=controllers root}\ncd /etc/kubernetes/pki\nopenssl pkey -in ca.key -noout\ncrictl ps\n${fence}\n\n${fence}sh {check on=controllers}\nopenssl x509 -in /etc/kubernetes/pki/ca.crt -noout\n${fence}\n`,
    },
  },
  check: ({ commands }) => checkPrivilege(commands),
};
