/**
 * `npm run bench`: the runner against its floor, side by side in one run, as ratios.
 *
 * 1. 200 trivial workstation steps through `lab run`, versus the same 200 commands each run by
 *    its own `bash -c` in a shell loop (goal: at most 1.3x).
 * 2. Parsing and planning a generated 50-chapter book with `--dry-run` (goal: under 300 ms).
 * 3. 100 trivial steps on one host over a multiplexed connection, versus a new ssh connection per
 *    step (goal: at least 5x faster).
 * 4. `sleep 1` on 6 hosts at once, versus one after another (goal: at most 1.3 s against 6 s).
 * 5. The GCE preflight on a machine without credentials (goal: exit 3 in under 2 s).
 * 7. Building the site from the book, against VitePress building the same chapters (installed
 *    for the benchmark only, into a temporary folder; goal: at least 5x faster), and rebuilding
 *    one changed chapter as preview does (goal: under 200 ms).
 * 6. `lab check` over a book the size of the real one (13 chapters, 195 shell blocks), shellcheck
 *    included, versus running shellcheck once per block, and over the real book, every rule
 *    (kubectl and gcloud's parsers included) (goal: both under 3 s).
 *
 * 8. Stress: 10,000 quick workstation steps that each export a variable, through `lab run`; every
 *    variable must be there at the end (goal: 0 lost).
 * 9. `lab rehearse` of the real book as far as it goes offline (once), beside `gcloud version`
 *    alone times the number of gcloud calls it made: how much of it is gcloud's start-up.
 *
 * 3 and 4 start OpenSSH servers on loopback addresses (root and openssh-server, as in CI).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSite } from '../../runner/site/build-site.js';
import { startSshHosts } from '../helpers/ssh-hosts.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const lab = path.join(root, 'bin/lab.js');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

function time(run: () => void): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}

/** Runs each contender once per round, alternating, and keeps the medians. */
function compare(contenders: Record<string, () => void>): Record<string, number> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(contenders)) samples[name]!.push(time(run));
  }
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function writeBook(dir: string, chapters: number, stepsPerChapter: number, command: (chapter: number, step: number) => string): void {
  mkdirSync(path.join(dir, 'docs'), { recursive: true });
  const names = Array.from({ length: chapters }, (_, index) => `${String(index + 1).padStart(2, '0')}-chapter.md`);
  writeFileSync(
    path.join(dir, 'docs/book.yaml'),
    `title: Benchmark\nchapters:\n${names.map((name) => `  - ${name}`).join('\n')}\nhosts:\n  workers: [worker-0, worker-1]\nvars:\n  K8S_VERSION: "1.35.0"\n`,
  );
  names.forEach((name, chapter) => {
    const steps = Array.from(
      { length: stepsPerChapter },
      (_, step) => `Step ${step + 1}.\n\n\`\`\`sh {sh}\n${command(chapter, step)}\n\`\`\`\n`,
    );
    writeFileSync(path.join(dir, 'docs', name), `# Chapter ${chapter + 1}\n\n${steps.join('\n')}`);
  });
}

function benchSteps(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lab-bench-steps-'));
  writeBook(dir, 1, 200, (_, step) => `echo "step ${step + 1}"`);
  const loop = `for i in $(seq 1 200); do bash -c "echo \\"step $i\\"" > /dev/null; done`;
  const result = compare({
    'lab run (200 steps)': () => {
      execFileSync(process.execPath, [lab, 'run', 'chapter-1', '--restart', '--state', path.join(dir, '.lab')], {
        cwd: dir,
        stdio: 'ignore',
      });
    },
    'bash -c loop (floor)': () => {
      execFileSync('bash', ['-c', loop], { stdio: 'ignore' });
    },
  });
  rmSync(dir, { recursive: true, force: true });
  const ratio = result['lab run (200 steps)']! / result['bash -c loop (floor)']!;
  return report('200 trivial workstation steps', result, `ratio ${ratio.toFixed(2)}x (goal: at most 1.3x)`);
}

function benchStress(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lab-bench-stress-'));
  const chapters = 10;
  const perChapter = 1000;
  // Each step finds the variables the step before it exported, notes any it lost, and exports its own.
  writeBook(dir, chapters, perChapter, (chapter, step) => {
    const n = chapter * perChapter + step + 1;
    const check = n === 1 ? '' : `[ "\${COUNTER:-}" = ${n - 1} ] && [ "\${K8S_VERSION:-}" = 1.35.0 ] || echo ${n} >> lost.txt; `;
    return `${check}export COUNTER=${n} SLOT_${n % 10}=${n}`;
  });
  const started = performance.now();
  const run = spawnSync(process.execPath, [lab, 'run', '--all', '--state', path.join(dir, '.lab')], { cwd: dir, stdio: 'ignore' });
  const elapsed = performance.now() - started;
  const total = chapters * perChapter;
  const lostFile = path.join(dir, '.lab/work/lost.txt');
  const lost = existsSync(lostFile) ? readFileSync(lostFile, 'utf8').trim().split('\n').length : 0;
  const vars = JSON.parse(readFileSync(path.join(dir, '.lab/state.json'), 'utf8')).vars as Record<string, string>;
  const lastLost = vars.COUNTER === String(total) ? 0 : 1;
  rmSync(dir, { recursive: true, force: true });
  return report(
    `${total} quick workstation steps exporting variables`,
    { [`lab run (${total} steps)`]: elapsed },
    `exit ${run.status}, environment lost after ${lost + lastLost} of ${total} steps (goal: 0)`,
    1,
  );
}

function benchDryRun(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lab-bench-plan-'));
  writeBook(dir, 50, 20, (chapter, step) => `kubectl get nodes -o wide # ${chapter}.${step} \${K8S_VERSION}`);
  const result = compare({
    'lab run --all --dry-run (50 chapters, 1000 steps)': () => {
      execFileSync(process.execPath, [lab, 'run', '--all', '--dry-run'], { cwd: dir, stdio: 'ignore' });
    },
    // Every chapter parsed: the first run after a change.
    'the same, with no parse cache': () => {
      const cache = mkdtempSync(path.join(tmpdir(), 'lab-bench-cache-'));
      execFileSync(process.execPath, [lab, 'run', '--all', '--dry-run'], {
        cwd: dir,
        stdio: 'ignore',
        env: { ...process.env, XDG_CACHE_HOME: cache },
      });
    },
    'node -e "" (start-up floor)': () => {
      execFileSync(process.execPath, ['-e', ''], { stdio: 'ignore' });
    },
  });
  rmSync(dir, { recursive: true, force: true });
  const planning = result['lab run --all --dry-run (50 chapters, 1000 steps)']!;
  const cold = result['the same, with no parse cache']!;
  return report(
    'Parse and plan a 50-chapter book',
    result,
    `${planning.toFixed(0)} ms with the cache, ${cold.toFixed(0)} ms without (goal: under 300 ms)`,
  );
}

function report(title: string, result: Record<string, number>, verdict: string, rounds = ROUNDS): string {
  const lines = Object.entries(result).map(([name, ms]) => `  ${name.padEnd(52)} ${ms.toFixed(0).padStart(6)} ms`);
  return [`${title} (${rounds === 1 ? 'one run' : `median of ${rounds}`})`, ...lines, `  => ${verdict}`].join('\n');
}

function writeHostsBook(dir: string, hosts: string[], chapter: string): void {
  mkdirSync(path.join(dir, 'docs'), { recursive: true });
  writeFileSync(
    path.join(dir, 'docs/book.yaml'),
    `title: Benchmark\nchapters:\n  - 01-chapter.md\nhosts:\n  nodes: [${hosts.join(', ')}]\n`,
  );
  writeFileSync(path.join(dir, 'docs/01-chapter.md'), `# Chapter 1\n\n${chapter}`);
}

/**
 * Log in as a plain user where CI made one: root's shell start-up on this kind of machine (pyenv
 * in ~/.bashrc) costs 100 ms a session, which a GCE image does not.
 */
const SSH_USER = spawnSync('id', ['labtest']).status === 0 ? 'labtest' : 'root';

async function benchMultiplexing(): Promise<string> {
  const fleet = await startSshHosts(['node-0'], { user: SSH_USER });
  try {
    const dir = mkdtempSync(path.join(tmpdir(), 'lab-bench-ssh-'));
    writeHostsBook(
      dir,
      ['node-0'],
      Array.from({ length: 100 }, (_, step) => `\`\`\`sh {sh on=node-0}\necho "step ${step + 1}"\n\`\`\`\n`).join('\n'),
    );
    fleet.writeInventory(path.join(dir, 'hosts.yaml'));
    const [host] = fleet.hosts;
    const key = path.join(fleet.dir, 'client_key');
    const ssh = `ssh -T -i ${key} -p ${host!.port} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ControlPath=none -o LogLevel=ERROR ${SSH_USER}@${host!.address} bash -s`;
    const result = compare({
      'lab run, one multiplexed connection (100 steps)': () => {
        execFileSync(process.execPath, [lab, 'run', 'chapter-1', '--restart', '--inventory', 'hosts.yaml'], { cwd: dir, stdio: 'ignore' });
      },
      'a new ssh connection per step (100 steps)': () => {
        execFileSync('bash', ['-c', `for i in $(seq 1 100); do echo "echo step $i" | ${ssh} > /dev/null; done`], { stdio: 'ignore' });
      },
    });
    const ratio = result['a new ssh connection per step (100 steps)']! / result['lab run, one multiplexed connection (100 steps)']!;
    return report(
      `100 trivial steps on one host (as ${SSH_USER})`,
      result,
      `multiplexed is ${ratio.toFixed(1)}x faster (goal: at least 5x)`,
    );
  } finally {
    fleet.stopAll();
  }
}

async function benchFanOut(): Promise<string> {
  const hosts = Array.from({ length: 6 }, (_, index) => `node-${index}`);
  const fleet = await startSshHosts(hosts, { user: SSH_USER });
  try {
    const dir = mkdtempSync(path.join(tmpdir(), 'lab-bench-fan-'));
    // The first step opens the connections (a once-per-run cost); the second is the one measured.
    writeHostsBook(dir, hosts, '```sh {sh on=nodes id=connect}\ntrue\n```\n\n```sh {sh on=nodes id=nap}\nsleep 1\n```\n');
    fleet.writeInventory(path.join(dir, 'hosts.yaml'));
    const run = (parallel: string) => {
      execFileSync(
        process.execPath,
        [lab, 'run', 'chapter-1', '--restart', '--inventory', 'hosts.yaml', '--parallel', parallel, '--report', 'r.json'],
        { cwd: dir, stdio: 'ignore' },
      );
      return JSON.parse(readFileSync(path.join(dir, 'r.json'), 'utf8')).steps as { id: string; durationMs: number }[];
    };
    const durations = (steps: { id: string; durationMs: number }[], id: string) =>
      steps.filter((step) => step.id === id).map((step) => step.durationMs);
    const result = compareValues({
      'opening 6 connections at once (first step)': () => Math.max(...durations(run('0'), 'connect')),
      // Hosts run at once, so the step's wall time is its slowest host's.
      'sleep 1 on 6 hosts at once (step wall time)': () => Math.max(...durations(run('0'), 'nap')),
      'one host after another (--parallel 1)': () => durations(run('1'), 'nap').reduce((sum, ms) => sum + ms, 0),
    });
    const wall = result['sleep 1 on 6 hosts at once (step wall time)']!;
    return report(
      `Fan-out (as ${SSH_USER})`,
      result,
      `${(wall / 1000).toFixed(2)} s at once (goal: at most 1.3 s) against ${(result['one host after another (--parallel 1)']! / 1000).toFixed(2)} s`,
    );
  } finally {
    fleet.stopAll();
  }
}

function benchPreflight(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lab-bench-preflight-'));
  writeHostsBook(dir, ['node-0'], '```sh {sh on=node-0}\ntrue\n```\n');
  const config = mkdtempSync(path.join(tmpdir(), 'lab-bench-gcloud-'));
  const result = compare({
    'lab run chapter-1, gcloud without credentials (exit 3)': () => {
      const run = spawnSync(process.execPath, [lab, 'run', 'chapter-1'], {
        cwd: dir,
        env: { ...process.env, CLOUDSDK_CONFIG: config },
        stdio: 'ignore',
      });
      if (run.status !== 3) throw new Error(`expected exit 3, got ${run.status}`);
    },
  });
  return report(
    'GCE preflight',
    result,
    `${result['lab run chapter-1, gcloud without credentials (exit 3)']!.toFixed(0)} ms (goal: under 2000 ms)`,
  );
}

function benchCheck(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lab-bench-check-'));
  const commands = [
    'gcloud compute instances list --filter "name ~ ^${PREFIX}-" --format json',
    'kubectl get nodes -o wide',
    'for i in 0 1 2; do echo "controller-${i}"; done',
    'curl -fsSL "https://pkgs.k8s.io/core:/stable:/v${K8S_MINOR}/deb/Release.key" | head -c 10',
  ];
  writeBook(dir, 13, 15, (chapter, step) => commands[(chapter + step) % commands.length]!);
  writeFileSync(
    path.join(dir, 'docs/book.yaml'),
    readFileSync(path.join(dir, 'docs/book.yaml'), 'utf8') + '  PREFIX: bench\n  K8S_MINOR: "1.35"\n',
  );
  const blocks = mkdtempSync(path.join(tmpdir(), 'lab-bench-blocks-'));
  for (let index = 0; index < 195; index++) writeFileSync(path.join(blocks, `b${index}.sh`), `${commands[index % commands.length]}\n`);
  const result = compare({
    'lab check (whole book, one shellcheck process)': () => {
      execFileSync(process.execPath, [lab, 'check'], { cwd: dir, stdio: 'ignore' });
    },
    // First run: kubectl asked about every command; again: only about what changed (nothing).
    'lab check (the real book, docs/, first run)': () => {
      const env = { ...process.env, XDG_CACHE_HOME: mkdtempSync(path.join(tmpdir(), 'lab-bench-cache-')) };
      spawnSync(process.execPath, [lab, 'check', '--book', path.join(root, 'docs')], { stdio: 'ignore', env });
      rmSync(env.XDG_CACHE_HOME, { recursive: true, force: true });
    },
    'lab check (the real book, docs/, again)': () => {
      spawnSync(process.execPath, [lab, 'check', '--book', path.join(root, 'docs')], { stdio: 'ignore' });
    },
    'shellcheck once per block (195 processes)': () => {
      execFileSync(
        'bash',
        ['-c', `for f in ${blocks}/*.sh; do shellcheck --shell=bash --severity=warning "$f" > /dev/null || true; done`],
        { stdio: 'ignore' },
      );
    },
  });
  const check = result['lab check (whole book, one shellcheck process)']!;
  const ratio = result['shellcheck once per block (195 processes)']! / check;
  const first = result['lab check (the real book, docs/, first run)']!;
  const again = result['lab check (the real book, docs/, again)']!;
  return report(
    'lab check',
    result,
    `${check.toFixed(0)} ms, the real book ${first.toFixed(0)} ms first and ${again.toFixed(0)} ms again (goal: under 3000 ms), ${ratio.toFixed(1)}x faster than shellcheck per block`,
  );
}

async function benchSite(): Promise<string> {
  const outDir = mkdtempSync(path.join(tmpdir(), 'lab-bench-site-'));
  const bookDir = path.join(root, 'docs');
  const chapter = path.join(bookDir, '06-node-preparation.md');
  // Warm, as a preview server is after its first build.
  await buildSite({ bookDir, outDir });
  const full: number[] = [];
  const one: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    full.push(time(() => execFileSync(process.execPath, [lab, 'build', '--out', outDir], { cwd: root, stdio: 'ignore' })));
    const started = performance.now();
    await buildSite({ bookDir, outDir, only: chapter });
    one.push(performance.now() - started);
  }
  const vitepress = installVitePress();
  const vitepressTimes: number[] = [];
  if (vitepress) {
    for (let round = 0; round < ROUNDS; round++) {
      vitepressTimes.push(time(() => execFileSync(vitepress.bin, ['build', vitepress.book], { cwd: vitepress.dir, stdio: 'ignore' })));
    }
  }
  const result: Record<string, number> = {
    'lab build (whole book, a new process)': median(full),
    'rebuild one chapter (preview, warm)': median(one),
  };
  if (vitepress) result['vitepress build (the same chapters)'] = median(vitepressTimes);
  rmSync(outDir, { recursive: true, force: true });
  const speedup = vitepress
    ? `${(result['vitepress build (the same chapters)']! / result['lab build (whole book, a new process)']!).toFixed(1)}x faster than VitePress (goal: at least 5x), `
    : 'VitePress could not be installed, ';
  return report('Site', result, `${speedup}rebuild ${result['rebuild one chapter (preview, warm)']!.toFixed(0)} ms (goal: under 200 ms)`);
}

/** VitePress in a temporary folder of its own (never a dependency of the project), with the book's chapters. */
function installVitePress(): { dir: string; bin: string; book: string } | undefined {
  const dir = path.join(tmpdir(), 'lab-bench-vitepress');
  const bin = path.join(dir, 'node_modules/.bin/vitepress');
  try {
    if (!existsSync(bin)) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'package.json'), '{"private": true}\n');
      execFileSync('npm', ['install', '--no-audit', '--no-fund', 'vitepress@1.6.4'], { cwd: dir, stdio: 'ignore' });
    }
  } catch {
    return undefined;
  }
  const book = path.join(dir, 'book');
  rmSync(book, { recursive: true, force: true });
  mkdirSync(path.join(book, '.vitepress'), { recursive: true });
  for (const name of readdirSync(path.join(root, 'docs')).filter((file) => file.endsWith('.md'))) {
    writeFileSync(path.join(book, name), readFileSync(path.join(root, 'docs', name)));
  }
  writeFileSync(path.join(book, '.vitepress/config.mjs'), "export default { title: 'Kubernetes the kubeadm way' }\n");
  return { dir, bin, book };
}

/** Like compare, for contenders that measure themselves (the time a step took inside a run). */
function compareValues(contenders: Record<string, () => number>): Record<string, number> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
  for (let round = 0; round < Math.min(ROUNDS, 3); round++) {
    for (const [name, run] of Object.entries(contenders)) samples[name]!.push(run());
  }
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
}

/** The rehearsal of the real book, its gcloud calls counted through a PATH shim. */
function benchRehearsal(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lab-bench-rehearse-'));
  const gcloud = execFileSync('sh', ['-c', 'command -v gcloud'], { encoding: 'utf8' }).trim();
  mkdirSync(path.join(dir, 'shim'));
  writeFileSync(path.join(dir, 'shim/gcloud'), `#!/bin/sh\necho >> ${dir}/gcloud-calls\nexec ${gcloud} "$@"\n`, { mode: 0o755 });
  // kubectl of the book's minor for chapter 2's version check (this machine's may be older): see
  // privateHome in test/helpers/lab-emulator.ts.
  const minor = /^\s*K8S_MINOR:\s*"?1\.(\d+)"?/m.exec(readFileSync(path.join(root, 'docs/book.yaml'), 'utf8'))?.[1];
  const kubectl = execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim();
  writeFileSync(
    path.join(dir, 'shim/kubectl'),
    `#!/bin/sh\nif [ "$1" = version ] && [ "$2" = --client ]; then\n  printf '{"clientVersion": {"major": "1", "minor": "${minor}"}}\\n'\n  exit 0\nfi\nexec ${kubectl} "$@"\n`,
    { mode: 0o755 },
  );
  mkdirSync(path.join(dir, 'home'));
  const env = {
    ...process.env,
    PATH: `${dir}/shim:${process.env.PATH}`,
    HOME: path.join(dir, 'home'),
    CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE: '',
  };
  const started = performance.now();
  const run = spawnSync(process.execPath, [lab, 'rehearse', '--book', path.join(root, 'docs'), '--state', path.join(dir, 'state')], {
    cwd: dir,
    env,
    encoding: 'utf8',
  });
  const rehearsal = performance.now() - started;
  const calls = readFileSync(path.join(dir, 'gcloud-calls'), 'utf8').length;
  const version = compare({
    'gcloud version': () =>
      execFileSync(gcloud, ['version'], { stdio: 'ignore', env: { ...env, CLOUDSDK_CONFIG: path.join(dir, 'home') } }),
  })['gcloud version']!;
  rmSync(dir, { recursive: true, force: true });
  const table = run.stdout.slice(run.stdout.indexOf('Rehearsal against'));
  return [
    `lab rehearse of the real book (once; exit ${run.status})`,
    `  lab rehearse${' '.repeat(40)} ${rehearsal.toFixed(0).padStart(6)} ms`,
    `  gcloud version (median of ${ROUNDS})${' '.repeat(27)} ${version.toFixed(0).padStart(6)} ms`,
    `  => ${calls} gcloud calls; their start-up alone is about ${((calls * version) / 1000).toFixed(0)} s, ${((100 * calls * version) / rehearsal).toFixed(0)}% of the rehearsal`,
    table
      .trim()
      .split('\n')
      .map((line) => `  ${line}`)
      .join('\n'),
  ].join('\n');
}

const only = process.argv[2];
const canRunSsh = process.getuid?.() === 0 && existsSync('/usr/sbin/sshd');
const benches: Record<string, () => string | Promise<string>> = {
  steps: benchSteps,
  stress: benchStress,
  plan: benchDryRun,
  ...(canRunSsh ? { multiplexing: benchMultiplexing, 'fan-out': benchFanOut } : {}),
  ...(existsSync('/usr/bin/shellcheck') ? { check: benchCheck } : {}),
  site: benchSite,
  ...(existsSync('/usr/bin/gcloud') || process.env.PATH?.split(':').some((dir) => existsSync(path.join(dir, 'gcloud')))
    ? { preflight: benchPreflight, ...(canRunSsh ? { rehearse: benchRehearsal } : {}) }
    : {}),
};
if (!canRunSsh) console.log('multiplexing and fan-out: skipped, they need root and /usr/sbin/sshd (apt-get install openssh-server)\n');
for (const [name, bench] of Object.entries(benches)) {
  if (only && only !== name) continue;
  console.log(`${await bench()}\n`);
}
