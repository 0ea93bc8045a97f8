#!/usr/bin/env node
// Prints, as Markdown, what changed between two nights' records (record-what-ran.mjs): a broken
// night names what changed since the last one. Usage: diff-what-ran.mjs PREVIOUS.json CURRENT.json
// (PREVIOUS may be missing: the first night, or one whose record was lost).
import { existsSync, readFileSync } from 'node:fs';

const [previousFile, currentFile] = process.argv.slice(2);
const read = (file) => (file && existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined);

/** `a.b.c` -> leaf value; a list is one value, its items joined. */
function flatten(value, prefix = '', into = {}) {
  if (Array.isArray(value)) into[prefix] = value.join(', ');
  else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) flatten(inner, prefix ? `${prefix}.${key}` : key, into);
  } else if (value !== undefined) into[prefix] = String(value);
  return into;
}

const current = read(currentFile);
const previous = read(previousFile);
const lines = ['### What this night ran, against the last recorded night', ''];
if (!current) lines.push('This night left no record of what it ran (it was stopped before the record step).');
else if (!previous) lines.push('No earlier night left a record to compare with.');
else {
  const before = flatten(previous);
  const after = flatten(current);
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const changed = keys.filter((key) => before[key] !== after[key]);
  if (changed.length === 0) lines.push('Nothing changed.');
  else {
    lines.push('| what | last night | this night |', '|---|---|---|');
    const cell = (text) => (text === undefined ? '(none)' : `\`${text.replaceAll('|', '\\|').replaceAll('`', "'")}\``);
    for (const key of changed) lines.push(`| ${key} | ${cell(before[key])} | ${cell(after[key])} |`);
  }
}
process.stdout.write(`${lines.join('\n')}\n`);
