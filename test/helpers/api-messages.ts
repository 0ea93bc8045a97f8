/**
 * The message classes of one of gcloud's generated API clients (`*_messages.py` under
 * googlecloudsdk/generated_clients), read from the installed SDK: class → field → the field's
 * message type (or none for scalars and enums). What the emulator sends is checked against it.
 */
import fs from 'node:fs';
import path from 'node:path';

export const SDK_APIS = '/usr/lib/google-cloud-sdk/lib/googlecloudsdk/generated_clients/apis';

export interface MessageClass {
  /** field name → the qualified name of its message class, or null for a scalar or enum. */
  fields: Map<string, string | null>;
  /** A `...Value` map message: every key is allowed, its values are of this class. */
  mapOf?: string | null;
}

export function readMessages(file: string): Map<string, MessageClass> {
  const classes = new Map<string, MessageClass>();
  const stack: { indent: number; name: string }[] = [];
  const pending: { owner: string; field: string; type: string }[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const indent = line.length - line.trimStart().length;
    const klass = /^\s*class (\w+)\(_messages\.(Message|Enum)\):/.exec(line);
    if (klass) {
      while (stack.length && stack.at(-1)!.indent >= indent) stack.pop();
      const name = [...stack.map((entry) => entry.name), klass[1]!].join('.');
      stack.push({ indent, name });
      if (klass[2] === 'Message') classes.set(name, { fields: new Map() });
      continue;
    }
    const field = /^\s*(\w+) = _messages\.(\w+)Field\((?:'(\w+)')?/.exec(line);
    if (!field || !line.trim()) continue;
    while (stack.length && stack.at(-1)!.indent >= indent) stack.pop();
    const owner = stack.at(-1)?.name;
    if (!owner || !classes.has(owner)) continue;
    if (field[2] === 'Message') pending.push({ owner, field: field[1]!, type: field[3]! });
    else classes.get(owner)!.fields.set(field[1]!, null);
  }
  // A type name resolves to the innermost enclosing class that defines it, as in Python.
  for (const { owner, field, type } of pending) {
    const scopes = owner.split('.');
    let resolved: string | undefined;
    for (let depth = scopes.length; depth >= 0 && !resolved; depth -= 1) {
      const candidate = [...scopes.slice(0, depth), type].join('.');
      if (classes.has(candidate)) resolved = candidate;
    }
    classes.get(owner)!.fields.set(field, resolved ?? type);
  }
  for (const [name, klass] of classes) {
    const entry = klass.fields.get('additionalProperties');
    if (klass.fields.size === 1 && entry) klass.mapOf = classes.get(entry)?.fields.get('value') ?? null;
    void name;
  }
  return classes;
}

export function computeMessages(): Map<string, MessageClass> {
  return readMessages(path.join(SDK_APIS, 'compute', 'v1', 'compute_v1_messages.py'));
}

export function serviceUsageMessages(): Map<string, MessageClass> {
  return readMessages(path.join(SDK_APIS, 'serviceusage', 'v1', 'serviceusage_v1_messages.py'));
}

/** Every field path in `value` that the class `root` (and the classes it refers to) lacks. */
export function findUnknownFields(classes: Map<string, MessageClass>, root: string, value: unknown, at = root): string[] {
  const klass = classes.get(root);
  if (!klass) return [`${at}: no message class ${root}`];
  if (Array.isArray(value)) return value.flatMap((item, index) => findUnknownFields(classes, root, item, `${at}[${index}]`));
  if (!value || typeof value !== 'object') return [];
  const unknown: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    if (klass.mapOf !== undefined) {
      if (klass.mapOf) unknown.push(...findUnknownFields(classes, klass.mapOf, child, `${at}.${key}`));
      continue;
    }
    if (!klass.fields.has(key)) {
      unknown.push(`${at}.${key}`);
      continue;
    }
    const type = klass.fields.get(key);
    if (type) unknown.push(...findUnknownFields(classes, type, child, `${at}.${key}`));
  }
  return unknown;
}
