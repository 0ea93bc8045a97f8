#!/usr/bin/env node
// The bundled CLI (one file starts fast); `npm ci` and `npm run lab` build it first.
let main;
try {
  ({ main } = await import('../dist/lab.mjs'));
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/lab.mjs')) throw error;
  process.stderr.write('lab: the CLI is not built yet (no dist/lab.mjs); run `npm run build:cli` (npm ci and npm run lab do it)\n');
  process.exit(2);
}
process.exitCode = await main(process.argv.slice(2));
