/**
 * Google's batch endpoint: a `multipart/mixed` body whose parts are whole HTTP requests
 * (gcloud sends one when a command acts on several resources), answered part by part in order,
 * each with `Content-ID: <response-ID>` as apitools' batch client expects.
 */
import { invalid } from './errors.js';

export interface BatchPart {
  contentId: string;
  method: string;
  /** The request target: a path with its query. */
  target: string;
  body: string;
}

export function parseBatch(contentType: string | undefined, body: string): BatchPart[] {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType ?? '')?.[1];
  if (!contentType?.startsWith('multipart/mixed') || !boundary) throw invalid('A batch request is multipart/mixed with a boundary');
  const sections = body.split(`--${boundary}`).slice(1);
  const parts: BatchPart[] = [];
  for (const section of sections) {
    if (section.startsWith('--')) break;
    const [mimeHeaders, http] = splitHead(section.replace(/^\r?\n/, ''));
    const contentId = /^content-id:\s*(.*)$/im.exec(mimeHeaders)?.[1]?.trim() ?? `<part+${parts.length}>`;
    const [requestHead, requestBody] = splitHead(http);
    const [method, target] = requestHead.split(/\r?\n/)[0]!.split(' ') as [string, string];
    parts.push({ contentId, method, target, body: requestBody.replace(/\r?\n$/, '') });
  }
  return parts;
}

function splitHead(text: string): [string, string] {
  const match = /\r?\n\r?\n/.exec(text);
  return match ? [text.slice(0, match.index), text.slice(match.index + match[0].length)] : [text, ''];
}

export function formatBatch(boundary: string, answers: { contentId: string; status: number; body: unknown }[]): string {
  const parts = answers.map(({ contentId, status, body }) =>
    [
      `--${boundary}`,
      'Content-Type: application/http',
      `Content-ID: <response-${contentId.replace(/^<|>$/g, '')}>`,
      '',
      `HTTP/1.1 ${status} ${status < 300 ? 'OK' : 'Error'}`,
      'Content-Type: application/json; charset=UTF-8',
      '',
      JSON.stringify(body),
    ].join('\r\n'),
  );
  return `${parts.join('\r\n')}\r\n--${boundary}--\r\n`;
}
