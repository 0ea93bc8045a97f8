/**
 * `npm run bench`: the runner against its floor, side by side in one run, as ratios.
 *
 * 1. 200 trivial workstation steps through `lab run`, versus the same 200 commands each run by
 *    its own `bash -c` in a shell loop (goal: at most 1.3x).
 * 2. Parsing and planning a generated 50-chapter book with `--dry-run` (goal: under 300 ms).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

function benchDryRun(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lab-bench-plan-'));
  writeBook(dir, 50, 20, (chapter, step) => `kubectl get nodes -o wide # ${chapter}.${step} \${K8S_VERSION}`);
  const result = compare({
    'lab run --all --dry-run (50 chapters, 1000 steps)': () => {
      execFileSync(process.execPath, [lab, 'run', '--all', '--dry-run'], { cwd: dir, stdio: 'ignore' });
    },
    'node -e "" (start-up floor)': () => {
      execFileSync(process.execPath, ['-e', ''], { stdio: 'ignore' });
    },
  });
  rmSync(dir, { recursive: true, force: true });
  const planning = result['lab run --all --dry-run (50 chapters, 1000 steps)']!;
  return report('Parse and plan a 50-chapter book', result, `${planning.toFixed(0)} ms (goal: under 300 ms)`);
}

function report(title: string, result: Record<string, number>, verdict: string): string {
  const lines = Object.entries(result).map(([name, ms]) => `  ${name.padEnd(52)} ${ms.toFixed(0).padStart(6)} ms`);
  return [`${title} (median of ${ROUNDS})`, ...lines, `  => ${verdict}`].join('\n');
}

const only = process.argv[2];
const benches: Record<string, () => string> = { steps: benchSteps, plan: benchDryRun };
for (const [name, bench] of Object.entries(benches)) {
  if (only && only !== name) continue;
  console.log(`${bench()}\n`);
}
