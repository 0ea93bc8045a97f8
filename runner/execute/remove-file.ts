/**
 * Removes one file, if it is there. Per step, where `rmSync(file, { force: true })` would walk
 * Node's recursive remover (two lstat calls and path handling) for what is one unlink.
 */
import { unlinkSync } from 'node:fs';

export function removeFile(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
