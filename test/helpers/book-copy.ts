/**
 * A copy of the real book (docs/ and snippets/) in a temporary folder, with the fixes for the
 * book bugs the rehearsal found applied when the book does not have them yet (each a no-op
 * once docs/ is fixed), so the rehearsal tests run what does work. Each fix names its finding.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from './lab.js';

interface Fix {
  file: string;
  from: string;
  to: string;
  finding: string;
}

export const BOOK_FIXES: readonly Fix[] = [
  {
    file: 'docs/04-certificate-authority.md',
    from: '```sh {check on=controllers}\ncd /etc/kubernetes/pki',
    to: '```sh {check on=controllers root}\ncd /etc/kubernetes/pki',
    finding: 'the check reads ca.key and sa.key (mode 0600, root) as the login user: Permission denied on GCE',
  },
  {
    file: 'docs/99-cleanup.md',
    from: '--filter "name ~ ^${PREFIX}-"',
    // gcloud's filter grammar wants the pattern quoted (an unquoted `$` is a syntax error).
    to: '--filter "name ~ \'^${PREFIX}-(net|subnet|api|controllers|allow-internal|allow-external|allow-health-checks)\\$\'"',
    finding: "the check counts the lab PREFIX-2's resources (PREFIX-2-net matches ^PREFIX-) as this lab's leftovers",
  },
];

export interface BookCopy {
  dir: string;
  book: string;
  remove(): void;
}

export function copyBook(): BookCopy {
  const dir = mkdtempSync(path.join(tmpdir(), 'lab-book-'));
  for (const part of ['docs', 'snippets']) cpSync(path.join(PROJECT_ROOT, part), path.join(dir, part), { recursive: true });
  for (const fix of BOOK_FIXES) {
    const file = path.join(dir, fix.file);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.split(fix.from).join(fix.to));
  }
  return { dir, book: path.join(dir, 'docs'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
