import type { Book } from '../../runner/book/types.js';
import type { RunReport } from '../../runner/report/build-report.js';

/**
 * A run report of a two-chapter book (test/fixtures/site-book) in which every step ran with the text
 * it has now, then `change` applied to some steps' hashes, each chapter with its status.
 */
export function fixtureReport(
  book: Book,
  finishedAt: string,
  statuses: [string, string],
  change: (id: string) => string | undefined = () => undefined,
): RunReport {
  return {
    format: 'kubeadm-lab-report/v1',
    book: book.title,
    commit: 'abcdef0123456789abcdef0123456789abcdef01',
    runUrl: 'https://github.com/example/site/actions/runs/7',
    status: statuses.includes('failed') ? 'failed' : 'passed',
    startedAt: finishedAt,
    finishedAt,
    durationMs: 1,
    versions: { TOOL_VERSION: '1.2.3' },
    chapters: book.chapters.map((chapter, index) => ({
      name: chapter.name,
      title: chapter.title,
      slug: chapter.slug,
      status: statuses[index]!,
      durationMs: 1,
    })),
    steps: book.chapters.flatMap((chapter, index) =>
      statuses[index] === 'not-run'
        ? []
        : chapter.steps.map((step) => ({
            id: step.id,
            hash: change(step.id) ?? step.hash,
            chapter: chapter.name,
            title: step.title,
            kind: step.kind,
            host: 'node-0',
            status: statuses[index] === 'failed' ? ('failed' as const) : ('passed' as const),
            durationMs: 1,
            attempts: 1,
            exitCode: 0,
            source: '',
          })),
    ),
    diagnostics: [],
  };
}
