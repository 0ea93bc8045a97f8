#!/usr/bin/env node
// Bundles runner/cli.ts into dist/lab.mjs (and the site's worker thread into dist/site-worker.mjs) and their lazily loaded chunks (`npm run build:cli`; every
// `npm run lab` runs it first). Chunk names carry a content hash, so a change to the code leaves
// the previous build's chunks behind; they are removed once the new build is written.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist');
const chunks = path.join(outdir, 'chunks');
const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

const result = await build({
  // The site's worker thread and the maker of its regex table (runner/site/find-built.ts finds
  // both products beside the bundle).
  entryPoints: {
    lab: path.join(root, 'runner/cli.ts'),
    'site-worker': path.join(root, 'runner/site/site-worker.ts'),
    'shiki-regexes': path.join(root, 'runner/site/shiki-regexes.ts'),
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: true,
  splitting: true,
  outdir,
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  // Bundled CommonJS dependencies call require(); ESM has none of its own.
  banner: { js: "import{createRequire as __labRequire}from'node:module';const require=__labRequire(import.meta.url);" },
  // `lab --version`, from package.json at build time: reading it at run time would cost every start.
  define: { LAB_VERSION: JSON.stringify(version) },
  metafile: true,
  logLevel: 'warning',
});

const written = new Set(Object.keys(result.metafile.outputs).map((file) => path.resolve(root, file)));
for (const name of readdirSync(chunks)) {
  const file = path.join(chunks, name);
  if (!written.has(file)) rmSync(file, { force: true });
}

// The grammars' regular expressions, converted once for every build (runner/site/shiki-regexes.ts),
// remade only when the code that makes them changed: its entry names its chunks by content hash.
const maker = path.join(outdir, 'shiki-regexes.mjs');
const tableFile = path.join(outdir, 'shiki-regexes.json');
const stamp = createHash('sha256').update(readFileSync(maker)).update(process.versions.v8).digest('hex');
let current;
try {
  current = JSON.parse(readFileSync(tableFile, 'utf8')).stamp;
} catch {
  current = undefined;
}
if (current !== stamp) await (await import(maker)).writeRegexTable(tableFile, stamp);
