/**
 * The one shape of a `lab check` rule, as in remark-lint: a name, a short doc with a bad and a
 * good example (test/lint/rule-docs.test.ts runs both through the rule), and a check over the
 * book. Each finding carries the id of what it found (`undefined-variable`, `SC2086`, ...), which
 * `lab check` prints after the message and --json gives as `rule`.
 *
 * `lab check --json` prints one object whose field names are stable (CheckReport in
 * commands/check.ts): `problems` (each with `file` relative to the current directory, `line`,
 * `column`, `rule` and `message`), `skipped` (what could not run here, in words), `chapters` and
 * `steps`.
 */
import type { Book, CommandStep } from '../book/types.js';
import type { Problem } from '../book/problems.js';

export interface LintContext {
  book: Book;
  /** Every runnable shell step (all kinds but `file`), in book order. */
  commands: CommandStep[];
  /** `lab check --online`: rules may fetch what the book applies from upstream. */
  online: boolean;
  /** Says out loud that a part could not run here, so nobody mistakes it for passing. */
  skip(notice: string): void;
}

/** A book of one chapter, `docs/01-example.md`, that a doc shows and the tests run. */
export interface RuleExample {
  /** The chapter's Markdown. */
  chapter: string;
  /** Extra lines of book.yaml (its `vars:` and `diagnostics:` keys, say). */
  bookYaml?: string;
  /** More files, by path from the project root (`snippets/x.yaml`). */
  files?: Record<string, string>;
}

export interface RuleDoc {
  /** What the rule wants, in one sentence. */
  summary: string;
  /**
   * A book the rule finds fault with, and exactly what it finds: `LINE:COLUMN rule-id` in the
   * chapter, `PATH:LINE:COLUMN rule-id` elsewhere (PATH from the project root).
   */
  bad: RuleExample & { findings: string[] };
  /** The same book put right: the rule finds nothing. */
  good: RuleExample;
}

export interface Rule {
  /** The rule's name (its module is check-NAME.ts). */
  name: string;
  doc: RuleDoc;
  check(context: LintContext): Problem[] | Promise<Problem[]>;
}
