/** Reads a file that must be a regular file, without ever blocking on a FIFO or device by its name. */
import { closeSync, constants, fstatSync, openSync, readFileSync, type Stats } from 'node:fs';

/** The text and status of `file`, read from one open file; undefined when it is gone or no regular file. */
export function readRegularFile(file: string): { text: string; stat: Stats } | undefined {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    return stat.isFile() ? { text: readFileSync(fd, 'utf8'), stat } : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
