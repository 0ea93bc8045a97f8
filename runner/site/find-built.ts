import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A file `npm run build:cli` writes into dist/, found beside the bundle that runs (the CLI's chunks
 * are in dist/chunks/, the bench's bundle in dist/); never one found further up, which from the
 * sources could be a stale build.
 */
export function findBuilt(name: string): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return [here, path.dirname(here)].map((dir) => path.join(dir, name)).find((file) => existsSync(file));
}
