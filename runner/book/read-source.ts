/**
 * Reads a file the reader wrote (book.yaml, a chapter, a hosts file) as text, or says exactly
 * why it cannot be: missing, a folder, a name too long, bytes that are not UTF-8 or a NUL, at
 * their line and column. Nothing is replaced silently: a chapter's bytes become commands.
 * Windows line endings are read as the line breaks they mean; a lone carriage return is refused.
 * Only regular files of a sane size are read: a FIFO would block and /dev/zero never ends.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, type Stats } from 'node:fs';

/**
 * The largest file read: 200 times the book's longest page (18 kB). A 50 MB chapter takes a
 * minute and a gigabyte to parse, so it is refused before it is read.
 */
export const MAX_SOURCE_BYTES = 4 * 1024 * 1024;

export type SourceResult =
  | { text: string }
  /**
   * The file cannot be read at all; `missing` says why, in words, and for a file that is there
   * but not this user's to read (`code` EACCES) also what to do.
   */
  | { missing: string; code: string }
  /** The file is read but its text is unusable at this position. */
  | { problem: { line: number; column: number; message: string } };

export function readSource(file: string): SourceResult {
  let bytes: Buffer;
  let fd: number | undefined;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, for ever.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
    const stat = fstatSync(fd);
    const refusal = refuseNonFile(file, stat);
    if (refusal) return refusal;
    bytes = readFileSync(fd);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
    return { missing: describeReadError(file, code, error as Error), code };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return decodeSource(bytes);
}

/** Why `file` is no text file to read: a folder, a FIFO, a device, too big; undefined when it is one. */
function refuseNonFile(file: string, stat: Stats): SourceResult | undefined {
  if (stat.isDirectory()) return { missing: describeReadError(file, 'EISDIR', new Error()), code: 'EISDIR' };
  if (!stat.isFile()) {
    const kind = stat.isFIFO() ? 'a FIFO (named pipe)' : stat.isCharacterDevice() || stat.isBlockDevice() ? 'a device' : 'a socket';
    return { missing: `${file} is ${kind}, not a file`, code: 'ENOTFILE' };
  }
  if (stat.size > MAX_SOURCE_BYTES) {
    const megabytes = (stat.size / 1024 / 1024).toFixed(1);
    return {
      missing: `${file} is ${megabytes} MB, more than the ${MAX_SOURCE_BYTES / 1024 / 1024} MB a book's file may have; split it`,
      code: 'EFBIG',
    };
  }
  return undefined;
}

export function decodeSource(bytes: Uint8Array): SourceResult {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    const { line, column } = findInvalidUtf8(bytes);
    return {
      problem: {
        line,
        column,
        message: 'This line has bytes that are not UTF-8; save the file as UTF-8 (the runner does not guess an encoding)',
      },
    };
  }
  const nul = text.indexOf('\0');
  if (nul !== -1) return { problem: { ...position(text, nul), message: 'This line has a NUL byte; a text file has none: remove it' } };
  text = text.replace(/\r\n/g, '\n');
  const cr = text.indexOf('\r');
  if (cr !== -1) {
    return {
      problem: {
        ...position(text, cr),
        message: 'This line has a carriage return (\\r) that ends no line; remove it, or save the file with LF line endings',
      },
    };
  }
  const hidden = HIDDEN_CHARACTERS.exec(text);
  if (hidden) {
    const code = hidden[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    const what = /[\u2028\u2029]/.test(hidden[0])
      ? 'a Unicode line separator, which bash does not take as a line end though an editor or a browser shows one'
      : 'an invisible character that reorders the text as it is shown (a bidirectional control), so what a reader sees is not what runs';
    return { problem: { ...position(text, hidden.index), message: `This line has U+${code}, ${what}; remove it` } };
  }
  return { text };
}

/**
 * Characters that make text show differently from what it is (Trojan Source, CVE-2021-42574):
 * line and paragraph separators, and the bidirectional embeddings, overrides and isolates.
 */
const HIDDEN_CHARACTERS = /[\u2028\u2029\u202A-\u202E\u2066-\u2069]/;

function describeReadError(file: string, code: string, error: Error): string {
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return `${file} does not exist`;
    case 'EISDIR':
      return `${file} is a folder, not a file`;
    case 'ENAMETOOLONG':
      return `the name ${file.length > 80 ? `${file.slice(0, 77)}...` : file} is too long for the file system`;
    case 'EACCES':
    case 'EPERM':
      return `${file} is not readable by this user (permission denied); let this user read it (chmod a+r, and a+x on its folders) or run lab as its owner`;
    case 'ELOOP':
      return `${file} is a symbolic link that leads back to itself (a loop)`;
    case 'ENXIO':
      return `${file} is a socket, not a file`;
    default:
      return `${file} cannot be read (${error.message})`;
  }
}

/** The line and column (in characters) of the first byte that is not UTF-8. */
function findInvalidUtf8(bytes: Uint8Array): { line: number; column: number } {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let line = 1;
  let column = 1;
  for (let index = 0; index < bytes.length; index++) {
    let chunk: string;
    try {
      chunk = decoder.decode(bytes.subarray(index, index + 1), { stream: true });
    } catch {
      return { line, column };
    }
    for (const char of chunk) {
      if (char === '\n') {
        line++;
        column = 1;
      } else {
        column++;
      }
    }
  }
  // Only an incomplete sequence at the very end is left.
  return { line, column };
}

function position(text: string, index: number): { line: number; column: number } {
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  return { line, column: index - before.lastIndexOf('\n') };
}

/** Whether `missing` already says what to do (the file is there, but not this user's to read). */
export function isPermissionProblem(code: string): boolean {
  return code === 'EACCES' || code === 'EPERM';
}
