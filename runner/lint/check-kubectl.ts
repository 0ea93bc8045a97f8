/**
 * Every kubectl command of the book (steps and diagnostics) is run through the real kubectl
 * against an API server that cannot answer (https://127.0.0.1:1, a closed port): kubectl parses
 * its command and flags before it connects, so "unknown flag" and "unknown command" come back in
 * a tenth of a second, apart from "connection refused", which is what a good command meets here.
 */
import { mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Problem } from '../book/problems.js';
import { findOnPath } from '../execute/preflight.js';
import { problemAt } from './locate.js';
import type { Rule } from './rule.js';
import { commandWords, scanShell, type Word } from './scan-shell.js';
import { findShellSources, type ShellSource } from './shell-sources.js';
import { openToolVerdicts } from './tool-verdicts.js';

/** Errors kubectl (cobra and pflag) gives for a command line it cannot parse. */
const PARSE_ERROR =
  /^(?:Error|error): (unknown (?:shorthand )?flag: .*|unknown command ".*|flag needs an argument: .*|invalid argument ".*|bad flag syntax: .*|unknown flag .*)$/m;

/** Stands for text known only when the step runs; kubectl's own complaints about it are ignored. */
const UNKNOWN = 'lab-check-value';
const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{name: nowhere, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: nobody, user: {token: none}}]
contexts: [{name: nowhere, context: {cluster: nowhere, user: nobody}}]
current-context: nowhere
`;
/** Flags whose value kubectl would read (a file, a URL, a git repository) before it connects. */
const READS_INPUT = new Set(['-f', '--filename', '-k', '--kustomize']);
// Each call is mostly waiting (start-up, a refused connection), little CPU: more at once than cores.
const PARALLEL = 8;
/** How kubectl is asked; change it when the asking changes, so kept verdicts are not reused. */
const ASKING = 'kubectl-command 2';

interface KubectlCommand {
  source: ShellSource;
  words: Word[];
  args: string[];
}

export function findKubectlCommands(sources: ShellSource[]): KubectlCommand[] {
  const found: KubectlCommand[] = [];
  for (const source of sources) {
    for (const command of scanShell(source.script).commands) {
      const words = commandWords(command);
      if (words[0]?.value !== 'kubectl') continue;
      const args: string[] = [];
      for (let index = 1; index < words.length; index++) {
        const value = words[index]!.value.replaceAll('\0', UNKNOWN);
        const [flag] = value.split('=', 1) as [string];
        if (READS_INPUT.has(flag)) {
          // Nothing is fetched or read offline: a path that does not exist stands for it.
          if (value.includes('=')) args.push(`${flag}=/nonexistent/lab-check`);
          else (args.push(value, '/nonexistent/lab-check'), index++);
          continue;
        }
        args.push(value);
      }
      found.push({ source, words, args });
    }
  }
  return found;
}

export async function checkKubectlCommands(commands: KubectlCommand[], kubectl: string, cacheDir?: string): Promise<Problem[]> {
  // The same command line twice (a step and a diagnostic, say) is asked once, and a line asked in
  // an earlier check is not asked again.
  const byArgs = new Map<string, KubectlCommand[]>();
  for (const command of commands) byArgs.set(command.args.join('\0'), [...(byArgs.get(command.args.join('\0')) ?? []), command]);
  const verdicts = openToolVerdicts(kubectl, ASKING, cacheDir);
  const unasked = [...byArgs.keys()].filter((key) => verdicts.get(key) === undefined);
  if (unasked.length > 0) await askKubectl(unasked, kubectl, (key, verdict) => verdicts.set(key, verdict));
  verdicts.save();
  const problems: Problem[] = [];
  for (const [key, same] of byArgs) {
    const error = verdicts.get(key);
    if (!error) continue;
    const flag = /flag(?: needs an argument)?: (?:'.' in )?(-{1,2}[\w-]+)/.exec(error)?.[1];
    for (const command of same) {
      const word = command.words.find((candidate) => flag && candidate.value.split('=', 1)[0] === flag) ?? command.words[0]!;
      problems.push(problemAt(command.source.locate(word.offset), error, 'kubectl-command'));
    }
  }
  return problems;
}

/** Runs kubectl on each command line, PARALLEL at a time; the verdict names kubectl's version. */
async function askKubectl(lines: string[], kubectl: string, record: (key: string, verdict: string | null) => void): Promise<void> {
  const { execa } = await import('execa');
  const home = mkdtempSync(path.join(tmpdir(), 'lab-kubectl-'));
  try {
    const config = path.join(home, 'config');
    writeFileSync(config, KUBECONFIG, { mode: 0o600 });
    const version = await execa(kubectl, ['version', '--client', '-o', 'json'], { reject: false, stdin: 'ignore' });
    const clientVersion = (/"gitVersion":\s*"([^"]+)"/.exec(String(version.stdout)) ?? [])[1] ?? 'unknown version';
    let next = 0;
    const work = async () => {
      while (next < lines.length) {
        const key = lines[next++]!;
        // The timeout goes after the command (before any `--`): kubectl refuses a flag before
        // an unknown command ("flags cannot be placed before plugin name").
        const args = key === '' ? [] : key.split('\0');
        const end = args.includes('--') ? args.indexOf('--') : args.length;
        const result = await execa(kubectl, [...args.slice(0, end), '--request-timeout=2s', ...args.slice(end)], {
          reject: false,
          stdin: 'ignore',
          timeout: 20_000,
          // No PATH: kubectl runs `kubectl-NAME` from PATH for an unknown command NAME (a plugin),
          // and lab check never runs what a book names.
          env: { HOME: home, KUBECONFIG: config, PATH: '' },
          extendEnv: false,
        });
        if (result.timedOut) continue; // no verdict: asked again next time
        const error = PARSE_ERROR.exec(String(result.stderr))?.[1];
        record(key, error && !error.includes(UNKNOWN) ? `kubectl ${clientVersion} says: ${error}` : null);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, lines.length) }, work));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/**
 * The kubectl to judge with. gcloud's kubectl is a dispatcher that picks one of the kubectl.1.N
 * binaries beside it after asking the server its version; the newest of them is the nearest to
 * the book's pin, and asking it directly saves the dispatcher's round.
 */
export function findKubectl(searchPath = process.env.PATH ?? ''): string | undefined {
  const kubectl = findOnPath('kubectl', searchPath);
  if (!kubectl) return undefined;
  const dir = path.dirname(realpathSync(kubectl));
  const versioned = readdirSync(dir)
    .map((name) => /^kubectl\.1\.(\d+)$/.exec(name))
    .filter((match) => match !== null)
    .sort((a, b) => Number(b[1]) - Number(a[1]));
  return versioned[0] ? path.join(dir, versioned[0][0]) : kubectl;
}

const fence = '```';

export const kubectlRule: Rule = {
  name: 'kubectl',
  doc: {
    summary:
      "Every kubectl command of the chapters and of book.yaml's diagnostics parses in the real kubectl: no unknown command, flag or flag value (`kubectl-command`).",
    bad: {
      chapter: `${fence}sh {kubectl}\nkubectl get pods --all-namespace\n${fence}\n`,
      bookYaml: 'diagnostics:\n  - title: Pods\n    run: kubectl describe pods --field-selector=status.phase!=Running\n',
      findings: ['2:18 kubectl-command', 'docs/book.yaml:8:32 kubectl-command'],
    },
    good: {
      chapter: `${fence}sh {kubectl}\nkubectl get pods --all-namespaces\n${fence}\n`,
      bookYaml: 'diagnostics:\n  - title: Pods\n    run: kubectl get pods --all-namespaces --field-selector=status.phase!=Running\n',
    },
  },
  async check({ book, commands, skip }) {
    const kubectl = findKubectl();
    if (!kubectl) {
      skip('kubectl commands were not checked: kubectl is not installed (gcloud components install kubectl)');
      return [];
    }
    return checkKubectlCommands(findKubectlCommands(findShellSources(book, commands)), kubectl);
  },
};
