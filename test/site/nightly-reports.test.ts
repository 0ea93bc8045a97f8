/**
 * The nightly's site keeps earlier nights' reports: the report job's own shell steps, as written in
 * .github/workflows/nightly.yml, run in bash against local reports. `npm` is the one stand-in: it
 * runs what package.json's build script runs after bundling (`node bin/lab.js build`), on the
 * fixture book and into a temporary folder instead of the project's site/.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadBook } from '../../runner/book/load-book.js';
import { LAB_BIN, PROJECT_ROOT } from '../helpers/lab.js';
import { fixtureReport } from './fixture-report.js';

interface Step {
  name?: string;
  run?: string;
}
const workflow = parse(readFileSync(path.join(PROJECT_ROOT, '.github/workflows/nightly.yml'), 'utf8')) as {
  jobs: Record<string, { steps: Step[] }>;
};
const stepOfReport = (name: string) => workflow.jobs.report!.steps.find((step) => step.name === name)!.run!;
const BUILD = stepOfReport("Build the site with this run's report and the earlier nights'");
const KEEP = stepOfReport("Keep this night's report for the next nights' sites");
const fixture = loadBook(path.join(PROJECT_ROOT, 'test/fixtures/site-book/docs'));

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a step's script as GitHub's bash does (`bash -e`), in the job's folder, with `npm` standing in. */
function runStep(script: string, env: Record<string, string> = {}): string {
  mkdirSync(path.join(dir, 'bin'), { recursive: true });
  writeFileSync(
    path.join(dir, 'bin/npm'),
    [
      '#!/bin/sh',
      '[ "$1" = ci ] && exit 0',
      '[ "$1 $2" = "run build" ] || { echo "unexpected npm $*" >&2; exit 97; }',
      'shift 2; [ "$1" = -- ] && shift',
      `exec "${process.execPath}" "${LAB_BIN}" build --book "${fixture.dir}" --out site "$@"`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  return execFileSync('bash', ['-e', '-c', script], {
    cwd: dir,
    env: { ...process.env, PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const write = (file: string, value: unknown) => {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), typeof value === 'string' ? value : JSON.stringify(value));
};
const cleaningPage = () => readFileSync(path.join(dir, 'site/02-cleaning.html'), 'utf8');

describe("the nightly's site", () => {
  it('says when each chapter last passed after a failed night, from the reports earlier nights kept', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'lab-nightly-site-'));
    write('night/reports/run.json', fixtureReport(fixture, '2026-11-24T03:40:00Z', ['failed', 'not-run']));
    write('site-reports/run-100-1.json', fixtureReport(fixture, '2026-11-20T02:00:00Z', ['passed', 'passed']));
    write('site-reports/run-90-1.json', fixtureReport(fixture, '2026-11-19T02:00:00Z', ['passed', 'failed']));
    runStep(BUILD);
    expect(cleaningPage()).toContain('It last passed with this text on 20 November 2026.');
  });

  it("still builds the night's site, with its own report and a warning, when an earlier report cannot be read", () => {
    dir = mkdtempSync(path.join(tmpdir(), 'lab-nightly-site-'));
    write('night/reports/run.json', fixtureReport(fixture, '2026-11-24T03:40:00Z', ['failed', 'not-run']));
    write('site-reports/run-100-1.json', '{"format": "kubeadm-lab-report/v0"');
    const output = runStep(BUILD);
    expect(output).toContain("::warning::The site could not be built with the earlier nights' reports");
    expect(cleaningPage()).toContain('<strong>Not run</strong> in the last run (24 November 2026, 03:40 UTC)');
  });

  it("keeps this night's report beside the earlier ones, the newest 60 nights", () => {
    dir = mkdtempSync(path.join(tmpdir(), 'lab-nightly-site-'));
    write('night/reports/run.json', fixtureReport(fixture, '2026-11-24T03:40:00Z', ['passed', 'passed']));
    for (let night = 1; night <= 60; night++) write(`site-reports/run-${night * 7}-1.json`, '{}');
    runStep(KEEP, { NIGHT: '1000-2' });
    const kept = readdirSync(path.join(dir, 'site-reports')).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    expect(kept).toHaveLength(60);
    expect(kept[0]).toBe('run-14-1.json');
    expect(kept.at(-1)).toBe('run-1000-2.json');
    expect(readFileSync(path.join(dir, 'site-reports/run-1000-2.json'), 'utf8')).toBe(
      readFileSync(path.join(dir, 'night/reports/run.json'), 'utf8'),
    );
  });
});
