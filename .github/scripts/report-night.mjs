#!/usr/bin/env node
// The morning after: opens one issue (label `nightly-failure`) when a night fails, naming the
// failing chapter and step, its file:line (linked), the expected/actual diff, its last lines, what
// changed since the last night and the run; comments on that issue when it is open already; and
// closes it when a night passes again. Uses the `gh` CLI with a token holding issues: write.
// Usage: report-night.mjs RUN_JSON WHAT_CHANGED_MD
// Environment: BOOK_RESULT (the book job's result), RUN_URL, BLOB_URL (…/blob/<sha>), GH_TOKEN.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const LABEL = 'nightly-failure';
const [reportFile, changesFile] = process.argv.slice(2);
const { BOOK_RESULT: result = '', RUN_URL: runUrl = '', BLOB_URL: blobUrl = '' } = process.env;

const gh = (...args) => execFileSync('gh', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
const read = (file) => (file && existsSync(file) ? readFileSync(file, 'utf8') : undefined);
const report = read(reportFile) ? JSON.parse(read(reportFile)) : undefined;
const fence = (text, lang = '') => {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const ticks = '`'.repeat(longest + 1);
  return `${ticks}${lang}\n${text.replace(/\n$/, '')}\n${ticks}`;
};
const bounded = (text, max = 6000) => (text.length > max ? `…${text.slice(-max)}` : text);

/** The first step that failed, else the first interrupted. */
function firstFailure() {
  const steps = report?.steps ?? [];
  return steps.find((step) => step.status === 'failed') ?? steps.find((step) => step.status === 'interrupted');
}

/** Checks that passed before their chapter ran (--prove-checks): they prove nothing. */
function checksProvingNothing() {
  const seen = new Map();
  for (const check of report?.earlyChecks ?? []) if (check.status === 'passed') seen.set(check.id, check);
  return [...seen.values()];
}

const link = (source) => {
  const [file, line] = [source.replace(/:\d+$/, ''), source.match(/:(\d+)$/)?.[1]];
  return blobUrl ? `[${source}](${blobUrl}/${file}${line ? `#L${line}` : ''})` : `\`${source}\``;
};

function describeFailure() {
  const step = firstFailure();
  const lines = [];
  if (!report) {
    lines.push(`The night left no run report: it was stopped before its first step ended, or its artifact was lost. Book job: ${result}.`);
    return { title: 'Nightly failed before its first step ended', lines };
  }
  if (!step) {
    const checks = checksProvingNothing();
    if (checks.length > 0) {
      lines.push('These checks passed before their chapter ran, so they prove nothing about it:', '');
      for (const check of checks) lines.push(`- **Chapter** ${check.chapter}, **check** \`${check.id}\` (${check.title}), ${link(check.source)}`);
      lines.push('');
      return { title: `Nightly: ${checks.length} checks prove nothing (${checks[0].chapter}, ${checks[0].id})`, lines };
    }
    lines.push(`The run ended \`${report.status}\` (book job: ${result}) without a failed step: see the run's log.`);
    return { title: `Nightly ${report.status}`, lines };
  }
  lines.push(`**Chapter** ${step.chapter}, **step** \`${step.id}\` (${step.title}) on ${step.host}, ${link(step.source)}`, '');
  if (step.failure?.message) lines.push(step.failure.message, '');
  if (step.failure?.diff) lines.push('Expected (-) against actual (+):', '', fence(bounded(step.failure.diff), 'diff'), '');
  if (step.failure?.tail) lines.push('Last lines:', '', fence(bounded(step.failure.tail)), '');
  return { title: `Nightly failed: ${step.chapter}, step ${step.id}`, lines };
}

const open = JSON.parse(gh('issue', 'list', '--label', LABEL, '--state', 'open', '--json', 'number', '--limit', '1'))[0];
if (result === 'success') {
  if (open) gh('issue', 'close', String(open.number), '--comment', `The book passed again: ${runUrl}`);
  console.log(open ? `Closed #${open.number}: the night passed.` : 'The night passed; no issue was open.');
} else if (result === 'failure') {
  const { title, lines } = describeFailure();
  const body = [...lines, read(changesFile) ?? '', '', `Run: ${runUrl}`].join('\n');
  const dir = mkdtempSync(path.join(tmpdir(), 'night-'));
  try {
    writeFileSync(path.join(dir, 'body.md'), body);
    if (open) {
      gh('issue', 'comment', String(open.number), '--body-file', path.join(dir, 'body.md'));
      gh('issue', 'edit', String(open.number), '--title', title);
      console.log(`Updated #${open.number}: ${title}`);
    } else {
      gh('label', 'create', LABEL, '--force', '--color', 'B60205', '--description', 'The nightly run of the book failed');
      console.log(gh('issue', 'create', '--title', title, '--label', LABEL, '--body-file', path.join(dir, 'body.md')));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  // Cancelled or skipped: nothing is known about the book; the issue stays as it is.
  console.log(`The book job ended ${result || 'without a result'}: no issue opened or closed.`);
}
