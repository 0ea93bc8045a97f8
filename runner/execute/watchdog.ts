/**
 * What the runner starts must not outlive it, however it ends: Ctrl-C, a closed terminal, a crash
 * or SIGKILL. Signal handlers cannot see SIGKILL, so a small watchdog process reads a pipe from
 * Node: Node tells it each process group it starts (a sudo step, an ssh client, an ssh master)
 * and each one that ended; when Node dies the pipe reads end-of-file and the watchdog stops every
 * group still listed (TERM, then KILL 2 s later) and removes the run's scratch files, which may
 * hold secrets. The workstation's bash session has a watchdog of its own (see bash-session.ts).
 *
 * The same list lets a third Ctrl-C kill everything at once, without leaving anything behind.
 *
 * If the watchdog dies with Node (the OOM killer, `kill -9` of every process), the lock's record
 * (run-record.ts) still names it, each group it was told of and the scratch folder, so the next
 * run stops them (stop-orphans.ts). A workstation step (listGroup) costs no record: it carries the
 * run's token in its environment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { recordProcess, recordScratch } from '../state/run-record.js';

const WATCHDOG = `
__lab_groups=' '
__lab_scratch=
while IFS= read -r __lab_line; do
  case $__lab_line in
    close) exit 0 ;;
    watch\\ *) __lab_groups="$__lab_groups\${__lab_line#watch } " ;;
    forget\\ *) __lab_groups=\${__lab_groups/ \${__lab_line#forget } / } ;;
    scratch\\ *) __lab_scratch=\${__lab_line#scratch } ;;
  esac
done
for __lab_group in $__lab_groups; do kill -TERM -- "-$__lab_group"; done
[ -n "$__lab_scratch" ] && rm -rf -- "$__lab_scratch"/*
sleep 2
for __lab_group in $__lab_groups; do kill -KILL -- "-$__lab_group"; done
`;

let watchdog: ChildProcess | undefined;
/** Each group the runner started and has not seen end; true where the watchdog was told of it. */
const groups = new Map<number, boolean>();

function send(line: string): void {
  if (!watchdog) {
    watchdog = spawn('bash', ['--noprofile', '--norc', '-c', WATCHDOG], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    watchdog.stdin!.on('error', () => {});
    watchdog.on('error', () => {});
    // The watchdog never keeps the runner alive; it is there for when the runner is gone.
    watchdog.unref();
    (watchdog.stdin as unknown as { unref?: () => void }).unref?.();
    if (watchdog.pid !== undefined) recordProcess('watchdog', watchdog.pid);
  }
  watchdog.stdin!.write(`${line}\n`);
}

/** Stops the process group `pgid` if the runner dies before calling forget. */
export function watchGroup(pgid: number): void {
  groups.set(pgid, true);
  recordProcess('group', pgid);
  send(`watch ${pgid}`);
}

/**
 * A group that something else already stops when the runner dies (a step of the bash session,
 * whose own watchdog stops its whole session): listed for the third Ctrl-C only, so a step costs
 * no message to the watchdog and no wake-up of it.
 */
export function listGroup(pgid: number): void {
  groups.set(pgid, false);
}

export function forgetGroup(pgid: number): void {
  const told = groups.get(pgid);
  if (told === undefined) return;
  groups.delete(pgid);
  if (told) send(`forget ${pgid}`);
}

/** Empties `dir` (the run's scratch files) if the runner dies. */
export function watchScratchDir(dir: string): void {
  send(`scratch ${dir}`);
  recordScratch(dir);
}

/** Kills every group the runner started and has not seen end: the third Ctrl-C. */
export function killWatchedGroups(): void {
  for (const pgid of groups.keys()) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}

/** At the end of a run: the watchdog goes without touching anything. */
export function closeWatchdog(): void {
  watchdog?.stdin!.end('close\n');
  watchdog = undefined;
}
