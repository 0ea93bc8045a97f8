/**
 * Masks secrets in everything the runner shows or writes: the values of secret variables and
 * anything shaped like a kubeadm bootstrap token, whether or not the book marked it.
 */

export const MASK = '***';

/** kubeadm bootstrap tokens: `[a-z0-9]{6}.[a-z0-9]{16}`. */
const BOOTSTRAP_TOKEN = /\b[a-z0-9]{6}\.[a-z0-9]{16}\b/g;
/** kubeadm certificate keys: 32 bytes in hex. A `sha256:` pin of the CA is public and stays. */
const CERTIFICATE_KEY = /(?<!sha256:)\b[0-9a-f]{64}\b/g;

/** Values this short would mask ordinary words; nobody uses them as secrets. */
const SHORTEST_MASKED = 4;

export type Mask = (text: string) => string;

export function createMask(secretValues: Iterable<string>): Mask {
  // Longest first, so a secret that contains another is masked whole.
  const values = [...new Set([...secretValues].flatMap(splitLines))]
    .filter((value) => value.length >= SHORTEST_MASKED)
    .sort((a, b) => b.length - a.length);
  return (text) => {
    let masked = text;
    for (const value of values) masked = masked.split(value).join(MASK);
    return masked.replace(BOOTSTRAP_TOKEN, MASK).replace(CERTIFICATE_KEY, MASK);
  };
}

const announced = new Set<string>();

/**
 * In GitHub Actions, tells the runner to mask each secret (line by line: it masks single lines)
 * in everything any process prints, before anything can print it.
 */
export function announceSecrets(values: Iterable<string>, out: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): void {
  if (env.GITHUB_ACTIONS !== 'true') return;
  for (const line of [...values].flatMap(splitLines)) {
    if (line.length < SHORTEST_MASKED || line.includes('\n') || announced.has(line)) continue;
    announced.add(line);
    out.write(`::add-mask::${line}\n`);
  }
}

/** A multi-line secret (a key) is masked line by line, so a partial print of it is masked too. */
function splitLines(value: string): string[] {
  const trimmed = value.trim();
  const lines = trimmed
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length >= SHORTEST_MASKED);
  return lines.length > 1 ? [trimmed, ...lines] : [trimmed];
}

/** Masks every string inside a JSON-like value, for reports built from many sources. */
export function maskDeep<T>(value: T, mask: Mask): T {
  if (typeof value === 'string') return mask(value) as T;
  if (Array.isArray(value)) return value.map((item) => maskDeep(item, mask)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, maskDeep(item, mask)])) as T;
  }
  return value;
}
