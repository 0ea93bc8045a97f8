/** Step logs: every attempt of every step, appended to `<logs>/<chapter>/<step>.<host>.log`. */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

export class LogWriter {
  private readonly dirs = new Set<string>();

  /** Synchronous: a small append costs less than a trip through the thread pool (measured). */
  append(file: string, text: string): void {
    const dir = path.dirname(file);
    if (!this.dirs.has(dir)) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      this.dirs.add(dir);
    }
    appendFileSync(file, text, { mode: 0o600 });
  }
}
