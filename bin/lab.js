#!/usr/bin/env node
// The bundled CLI (one file starts fast); `npm ci` and `npm run lab` build it first.
let main, EXIT;
try {
  ({ main, EXIT } = await import('../dist/lab.mjs'));
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/lab.mjs')) throw error;
  process.stderr.write('lab: the CLI is not built yet (no dist/lab.mjs); run `npm run build:cli` (npm ci and npm run lab do it)\n');
  process.exit(2);
}
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  // A bug in lab, not in the reader's book or command line. Caught here so Node does not dump a
  // line of the minified bundle; the stack (dist/lab.mjs:LINE:COLUMN, see dist/lab.mjs.map) is
  // what a bug report needs. Not exit 1, which says a step failed.
  process.stderr.write(
    `lab: internal error (a bug in lab, not in your book or command): ${error?.message ?? error}\n` +
      'Please report it with the lines below.\n' +
      `${error?.stack ?? ''}\n`,
  );
  // Exit now, as an uncaught error would: a crashed run must not linger on its open handles.
  process.exit(EXIT.bug);
}
