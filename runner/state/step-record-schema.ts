/** What a step's record in the state holds: one shape for state.json and its journal. */
import * as z from 'zod/mini';

export const stepRecordSchema = z.object({
  status: z.enum(['passed', 'failed']),
  hash: z.string(),
  finishedAt: z.string(),
  durationMs: z.number(),
  attempts: z.number(),
  hosts: z.record(
    z.string(),
    z.object({ status: z.enum(['passed', 'failed']), exitCode: z.number(), durationMs: z.number(), attempts: z.number() }),
  ),
});
