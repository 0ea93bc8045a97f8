#!/usr/bin/env node
// The bundled CLI (one file starts fast); `npm ci` and `npm run lab` build it first.
import { main } from '../dist/lab.mjs';

process.exitCode = await main(process.argv.slice(2));
