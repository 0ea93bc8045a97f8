/**
 * Masks secrets in everything the runner shows or writes: the values of secret variables (whole,
 * and the secret parts of a multi-line value such as a kubeconfig's key data), and anything shaped
 * like a kubeadm bootstrap token or certificate key, whether or not the book marked it.
 *
 * Its own module, used by execute/ (logs, --verbose) and report/ (console, JSON, JUnit).
 */

export const MASK = '***';

/** kubeadm bootstrap tokens: `[a-z0-9]{6}.[a-z0-9]{16}`. */
const BOOTSTRAP_TOKEN = /\b[a-z0-9]{6}\.[a-z0-9]{16}\b/g;
/**
 * kubeadm certificate keys (32 bytes in hex) where kubeadm prints them: after `--certificate-key`
 * and on the line after "Using certificate key:". Not every 64-hex string: container IDs and
 * digests are 64-hex too, and public.
 */
const CERTIFICATE_KEY = /(?<=--certificate-key[ =]|certificate key:\r?\n)[0-9a-f]{64}\b/g;
/** Inside a multi-line secret, the long runs of base64 or hex (key data, tokens) are secret parts. */
const SECRET_PART = /[A-Za-z0-9+/=_-]{32,}/g;

/** Values this short would mask ordinary words; nobody uses them as secrets. */
const SHORTEST_MASKED = 4;

/** Replaces secrets in a text; `values` are the secret values it looks for (for streams). */
export type Mask = ((text: string) => string) & { readonly values: readonly string[] };

/** The secret values a mask looks for: each whole value, and the secret parts of multi-line ones. */
export function findSecretValues(secretValues: Iterable<string>): string[] {
  // Longest first, so a secret that contains another is masked whole.
  return [...new Set([...secretValues].flatMap(splitSecret))]
    .filter((value) => value.length >= SHORTEST_MASKED)
    .sort((a, b) => b.length - a.length);
}

export function createMask(secretValues: Iterable<string>): Mask {
  const values = findSecretValues(secretValues);
  const mask = (text: string) => {
    let masked = text;
    for (const value of values) if (masked.includes(value)) masked = masked.split(value).join(MASK);
    return masked.replace(BOOTSTRAP_TOKEN, MASK).replace(CERTIFICATE_KEY, MASK);
  };
  return Object.assign(mask, { values });
}

/** Where secrets are in `text`: [start, end) of every value and pattern the mask replaces. */
export function findSecretRanges(text: string, secretValues: Iterable<string>): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (const value of findSecretValues(secretValues)) {
    for (let index = text.indexOf(value); index !== -1; index = text.indexOf(value, index + 1)) ranges.push([index, index + value.length]);
  }
  for (const pattern of [BOOTSTRAP_TOKEN, CERTIFICATE_KEY]) {
    for (const match of text.matchAll(pattern)) ranges.push([match.index, match.index + match[0].length]);
  }
  return ranges;
}

/** What the runner knows of its variables: their values, and which are secret. */
export interface SecretSource {
  values: ReadonlyMap<string, string>;
  secret: ReadonlySet<string>;
}

const masks = new WeakMap<SecretSource, { key: string; mask: Mask }>();

/** The mask for the secrets known now; rebuilt only when they change. */
export function maskFor(variables: SecretSource): Mask {
  const values = secretValuesOf(variables);
  const key = values.join('\0');
  const cached = masks.get(variables);
  if (cached?.key === key) return cached.mask;
  const mask = createMask(values);
  masks.set(variables, { key, mask });
  // Every print goes through here first, so GitHub learns a secret before it can be printed.
  announceSecrets(values, process.stdout);
  return mask;
}

export function secretValuesOf(variables: SecretSource): string[] {
  return [...variables.secret].map((name) => variables.values.get(name) ?? '');
}

const announced = new Set<string>();

/**
 * In GitHub Actions, tells the runner to mask each secret (line by line: it masks single lines)
 * in everything any process prints, before anything can print it.
 */
export function announceSecrets(values: Iterable<string>, out: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): void {
  if (env.GITHUB_ACTIONS !== 'true') return;
  for (const line of findSecretValues(values)) {
    if (line.includes('\n') || announced.has(line)) continue;
    announced.add(line);
    out.write(`::add-mask::${line}\n`);
  }
}

/**
 * A secret and, when it spans lines, its secret parts: the long base64 or hex runs (key data,
 * tokens, certificates), not the lines of structure around them (`apiVersion: v1`, `user:`),
 * which would blank every log that mentions them.
 */
function splitSecret(value: string): string[] {
  const trimmed = value.trim();
  if (!trimmed.includes('\n')) return [trimmed];
  const parts = [...trimmed.matchAll(SECRET_PART)].map((match) => match[0]).filter((part) => /[0-9]/.test(part) && /[A-Za-z]/.test(part));
  return [trimmed, ...parts];
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
