/**
 * The places `lab` writes to (--state, --report, --out) are checked before anything runs: a run
 * must not end with a stack trace and a lost report because --report names a folder, and a site
 * must not be written over the book or the project.
 */
import { accessSync, constants, readdirSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { UsageError } from './parse-arguments.js';

/** What each flag names, for the messages: `the state is a folder ...: name a folder (new or old) instead`. */
const FOLDER_FLAGS = {
  '--state': 'the state (progress, variables, logs) is a folder',
  '--out': 'the site is a folder of pages',
} as const;

/**
 * `value` names a folder, or a place one can be made: its nearest existing ancestor is a folder
 * (writable by this user when `writable`).
 */
export function refuseFolderPath(flag: keyof typeof FOLDER_FLAGS, value: string, options: { writable: boolean }): void {
  const refuse = (why: string): never => {
    throw new UsageError(`${flag} ${value}: ${why}; ${FOLDER_FLAGS[flag]}: name a folder (new or old) instead`);
  };
  const wanted = path.resolve(value);
  const { dir, stat } = findNearestExisting(wanted, refuse);
  if (!stat.isDirectory()) refuse(dir === wanted ? describeNonFolder(stat) : `${dir} is a file, so no folder can be made in it`);
  if (options.writable && !isWritable(dir)) refuse(`${dir} is not writable by this user`);
}

/**
 * What lab keeps in a state folder (runner/state/state-store.ts and the OpenSSH transport make
 * them). A folder that holds anything else, and no state.json, is someone else's: `lab reset
 * --state .` would delete its logs/, and a run would work in its work/.
 */
const STATE_ENTRIES = /^(state\.json(\.\d+\.tmp)?|logs|tmp|work|lock|ssh)$/;

/** `--state DIR` names a new or empty folder, one lab made, or the default .lab. */
export function refuseForeignStateFolder(value: string): void {
  let entries: string[];
  try {
    entries = readdirSync(path.resolve(value));
  } catch {
    // Not there yet (made at the first run), or not a folder (refused by refuseFolderPath).
    return;
  }
  if (entries.includes('state.json') || path.basename(path.resolve(value)) === '.lab') return;
  const foreign = entries.filter((entry) => !STATE_ENTRIES.test(entry));
  if (foreign.length === 0) return;
  const shown = foreign.slice(0, 3).join(', ') + (foreign.length > 3 ? ', ...' : '');
  throw new UsageError(
    `--state ${value}: it holds files that are not lab's (${shown}) and no lab state; lab would write, and \`lab reset\` delete, its logs/ there: name a new folder, such as .lab`,
  );
}

/** `value` names a file that can be written: not a folder, in a folder (or where one can be made) this user may write. */
export function refuseFilePath(flag: '--report', value: string): void {
  const refuse = (why: string): never => {
    throw new UsageError(`${flag} ${value}: ${why}; name a file (new or old) in a folder you can write`);
  };
  const wanted = path.resolve(value);
  const { dir, stat } = findNearestExisting(wanted, refuse);
  if (dir === wanted) {
    if (stat.isDirectory()) refuse('it is a folder');
    if (!stat.isFile()) refuse(`it is ${describeNonFolder(stat).replace(/^it is /, '')}`);
    const parent = path.dirname(wanted);
    if (!isWritable(parent)) refuse(`${parent} is not writable by this user`);
    return;
  }
  if (!stat.isDirectory()) refuse(`${dir} is a file, so no folder can be made in it`);
  if (!isWritable(dir)) refuse(`${dir} is not writable by this user`);
}

/**
 * The site goes into a folder of its own: not the book's folder (its pages would lie among the
 * chapters) nor a folder that holds the book, such as the project itself (index.html and assets/
 * would land over the project's own files).
 */
export function refuseOutOverBook(out: string, bookDir: string): void {
  const site = path.resolve(out);
  const book = path.resolve(bookDir);
  const relative = path.relative(site, book);
  if (relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))) {
    throw new UsageError(
      `--out ${out}: ${relative === '' ? "it is the book's folder" : `it holds the book (${path.relative(process.cwd(), book) || '.'})`}, and the site's index.html, assets/ and pages would be written among your files; name a folder of its own, such as site`,
    );
  }
}

function findNearestExisting(wanted: string, refuse: (why: string) => never): { dir: string; stat: Stats } {
  let dir = wanted;
  for (;;) {
    try {
      return { dir, stat: statSync(dir) };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        // Not there yet: it is made, if its nearest existing ancestor is a folder.
        dir = path.dirname(dir);
        continue;
      }
      if (code === 'ENOTDIR') return refuse(`${findFileAncestor(dir)} is a file, so no folder can be made in it`);
      if (code === 'ENAMETOOLONG') return refuse('the name is too long for the file system');
      if (code === 'ELOOP') return refuse(`${dir} is a symbolic link that leads back to itself (a loop)`);
      if (code === 'EACCES') return refuse(`${path.dirname(dir)} cannot be searched by this user (permission denied)`);
      return refuse((error as Error).message);
    }
  }
}

/** The file that stands where a folder of `dir`'s path should be: the nearest ancestor that exists. */
function findFileAncestor(dir: string): string {
  for (let current = path.dirname(dir); current !== path.dirname(current); current = path.dirname(current)) {
    try {
      statSync(current);
      return current;
    } catch {
      // A path through the file itself: further up.
    }
  }
  return dir;
}

function describeNonFolder(stat: Stats): string {
  if (stat.isFile()) return 'it is a file';
  if (stat.isFIFO()) return 'it is a FIFO (named pipe)';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'it is a device';
  return 'it is a socket';
}

function isWritable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
