/**
 * The run state in `.lab/`: variables, which steps passed (with the hash of their text), and
 * the logs of every step. Written atomically (a temporary file renamed over the old one), so
 * an interrupted run never leaves half a state behind.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod/mini';
import type { SavedVariables } from '../execute/variables.js';
import { LabError } from '../errors.js';
import { takeLock } from './take-lock.js';
import { openJournal, replayJournal } from './state-journal.js';
import { stepRecordSchema } from './step-record-schema.js';

export const STATE_VERSION = 1;

export type StepRecord = z.infer<typeof stepRecordSchema>;
export type HostRecord = StepRecord['hosts'][string];

export interface LabState extends SavedVariables {
  version: typeof STATE_VERSION;
  /** The book this state belongs to. */
  book: string;
  steps: Record<string, StepRecord>;
}

/** What a state file must hold; anything else was not written by this lab (or was edited by hand). */
const stateSchema = z.object({
  version: z.literal(STATE_VERSION),
  book: z.string(),
  vars: z.record(z.string(), z.string()),
  secret: z.array(z.string()),
  steps: z.record(z.string(), stepRecordSchema),
});

export class StateError extends LabError {
  override name = 'StateError';
}

export interface StateStore {
  dir: string;
  logsDir: string;
  scratchDir: string;
  workDir: string;
  load(): LabState;
  save(state: LabState): void;
  /** Makes a finished step's record (and the variables as they are now) survive a kill, before the next step starts. */
  record(step: string, record: StepRecord, variables: SavedVariables): void;
  /** Removes the state (not the work folder). */
  reset(): void;
  /**
   * Takes the lock for a run; throws when another run holds it. What a dead run left running is
   * stopped first, and `notify` (stderr by default) gets a line saying what was.
   */
  lock(notify?: (line: string) => void): () => void;
}

export function openStateStore(dir: string, book: string): StateStore {
  const stateDir = path.resolve(dir);
  const file = path.join(stateDir, 'state.json');
  const logsDir = path.join(stateDir, 'logs');
  const scratchDir = path.join(stateDir, 'tmp');
  const workDir = path.join(stateDir, 'work');
  const lockFile = path.join(stateDir, 'lock');
  const journalFile = path.join(stateDir, 'state.journal');
  const journal = openJournal(journalFile, file);

  return {
    dir: stateDir,
    logsDir,
    scratchDir,
    workDir,
    load() {
      let text: string;
      try {
        // A FIFO or device here would hang or flood the read; a folder is no state either.
        if (!statSync(file).isFile()) {
          throw new StateError(`${file} is not a file; move it away or run \`lab reset\``);
        }
        text = readFileSync(file, 'utf8');
      } catch (error) {
        if (error instanceof StateError) throw error;
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          const empty: LabState = { version: STATE_VERSION, book, vars: {}, secret: [], steps: {} };
          replayJournal(empty, journalFile, file);
          return empty;
        }
        throw new StateError(`${file} cannot be read (${(error as Error).message}); fix its permissions or run \`lab reset\``);
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new StateError(`${file} is not valid JSON (${(error as Error).message}); remove it or run \`lab reset\``);
      }
      const version = (parsed as { version?: unknown } | null)?.version;
      if (typeof version === 'number' && version !== STATE_VERSION) {
        throw new StateError(`${file} was written by another version of lab (state version ${version}); run \`lab reset\``);
      }
      const checked = stateSchema.safeParse(parsed);
      if (!checked.success) {
        const issue = checked.error.issues[0]!;
        const where = issue.path.length > 0 ? `\`${issue.path.join('.')}\`` : 'its top level';
        throw new StateError(`${file} is not a lab state (${where}: ${issue.message}); run \`lab reset\` to start afresh`);
      }
      // From what JSON.parse made, not zod's copy (which drops a `__proto__` key), into
      // null-prototype maps, so a variable or step named __proto__ stays an ordinary key.
      const raw = parsed as LabState;
      const state: LabState = {
        ...checked.data,
        vars: Object.assign(Object.create(null) as Record<string, string>, raw.vars),
        steps: Object.assign(Object.create(null) as Record<string, StepRecord>, raw.steps),
      };
      if (state.book !== book) {
        throw new StateError(
          `The state in ${stateDir} belongs to the book in ${state.book}, not ${book}; pass --state DIR to keep a separate state, or run \`lab reset\``,
        );
      }
      replayJournal(state, journalFile, file);
      return state;
    },
    save(state) {
      mkdirSync(stateDir, { recursive: true });
      const temporary = `${file}.${process.pid}.tmp`;
      // 0600: the state holds captured secrets, as a kubeconfig does.
      writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
      renameSync(temporary, file);
      journal.restart();
    },
    record(step, record, variables) {
      journal.append(step, record, variables);
    },
    reset() {
      rmSync(file, { force: true });
      journal.restart();
      rmSync(logsDir, { recursive: true, force: true });
    },
    lock(notify = (line) => process.stderr.write(`${line}\n`)) {
      mkdirSync(stateDir, { recursive: true });
      const unlock = takeLock(
        lockFile,
        (owner) =>
          new StateError(`Another lab run (pid ${owner.pid}) is using ${stateDir}; wait for it, or pass --state DIR to run separately`),
        notify,
      );
      // Whatever a run that died left here (scripts holding secrets) belongs to no live run now.
      rmSync(scratchDir, { recursive: true, force: true });
      mkdirSync(scratchDir, { recursive: true, mode: 0o700 });
      mkdirSync(logsDir, { recursive: true, mode: 0o700 });
      mkdirSync(workDir, { recursive: true });
      return unlock;
    },
  };
}
