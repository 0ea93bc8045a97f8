/**
 * The state's journal: one line per finished step, appended before the next step starts, so a run
 * killed at any moment (SIGKILL, a crash, a closed terminal) never runs a step again that passed.
 * Rewriting the whole state after every step cost a JSON of every step so far and a rename that
 * ext4 turns into a flush (about 2 ms each on this machine); an append is one write.
 *
 * Each line names the state file it follows (its inode and modification time): the journal holds
 * only what happened since that file was written, and a line for another file (one written before
 * the last save, which the save already holds) is ignored. Each line carries the step's record and
 * every saved variable, so reading a line twice changes nothing. A last line cut short by a kill
 * is ignored; the step it was for is not recorded, as if it had not finished.
 */
import { closeSync, ftruncateSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import * as z from 'zod/mini';
import type { SavedVariables } from '../execute/variables.js';
import type { LabState, StepRecord } from './state-store.js';
import { stepRecordSchema } from './step-record-schema.js';

const lineSchema = z.object({
  after: z.string(),
  step: z.string(),
  record: stepRecordSchema,
  vars: z.record(z.string(), z.string()),
  secret: z.array(z.string()),
});

/** Names the state file as it is now: a save makes a new file, so a new name. */
export function nameStateFile(stateFile: string): string {
  try {
    const stat = statSync(stateFile, { bigint: true });
    return `${stat.ino}:${stat.mtimeNs}`;
  } catch {
    return 'none';
  }
}

/** Applies to `state` (read from `stateFile`) what the journal holds since that file was written. */
export function replayJournal(state: LabState, journalFile: string, stateFile: string): void {
  let text: string;
  try {
    text = readJournal(journalFile);
  } catch {
    return;
  }
  if (text === '') return;
  const name = nameStateFile(stateFile);
  if (Object.getPrototypeOf(state.steps) !== null) state.steps = Object.assign(Object.create(null) as LabState['steps'], state.steps);
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      continue;
    }
    if (!lineSchema.safeParse(parsed).success) continue;
    const entry = parsed as z.infer<typeof lineSchema>;
    if (entry.after !== name) continue;
    state.steps[entry.step] = entry.record;
    // Null prototypes, as the state's own: a variable named __proto__ is a variable like any other.
    state.vars = Object.assign(Object.create(null) as Record<string, string>, entry.vars);
    state.secret = entry.secret;
  }
}

function readJournal(journalFile: string): string {
  // A FIFO or a folder here is no journal; a state file beside it is refused by the state's own load.
  if (!statSync(journalFile).isFile()) return '';
  return readFileSync(journalFile, 'utf8');
}

export interface Journal {
  /** Appends a finished step, with every saved variable as it is now. */
  append(step: string, record: StepRecord, variables: SavedVariables): void;
  /** The state file was written anew (holding everything so far): the journal starts over. */
  restart(): void;
  close(): void;
}

/** Opens the journal beside `stateFile` for appending, when the first line comes. */
export function openJournal(journalFile: string, stateFile: string): Journal {
  let fd: number | undefined;
  let after: string | undefined;
  return {
    append(step, record, variables) {
      after ??= nameStateFile(stateFile);
      // 0600: the journal holds captured secrets, as the state does.
      fd ??= openSync(journalFile, 'a', 0o600);
      writeSync(fd, `${JSON.stringify({ after, step, record, vars: variables.vars, secret: variables.secret })}\n`);
    },
    restart() {
      after = nameStateFile(stateFile);
      if (fd === undefined) rmSync(journalFile, { force: true });
      else ftruncateSync(fd, 0);
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}
