/**
 * The Kubernetes API types of the pinned minor, as @kubernetes/client-node carries them (its
 * models are generated from Kubernetes's OpenAPI document; "OpenAPI spec version: release-1.36"
 * in 2.0.x): each model's fields and their types from its attributeTypeMap, and which fields are
 * required from its type declarations (`'name': string` against `'image'?: string`). Read from the
 * package's files on demand, one model at a time, without loading the client itself.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface ModelField {
  name: string;
  type: string;
  required: boolean;
}

export interface K8sSchema {
  /** The minor the models were generated from (`1.36`). */
  release: string;
  model(name: string): ModelField[] | undefined;
  /** The model of a top-level object, such as V1Deployment for apps/v1 Deployment. */
  modelFor(apiVersion: string, kind: string): string | undefined;
}

export function loadK8sSchema(): K8sSchema | undefined {
  let models: string;
  try {
    const main = createRequire(import.meta.url).resolve('@kubernetes/client-node');
    models = path.join(main.slice(0, main.lastIndexOf(`${path.sep}dist${path.sep}`)), 'dist', 'gen', 'models');
  } catch {
    return undefined;
  }
  if (!existsSync(models)) return undefined;
  const release = /OpenAPI spec version: release-(\d+\.\d+)/.exec(readFileSync(path.join(models, 'V1Pod.js'), 'utf8'))?.[1] ?? 'unknown';
  const cache = new Map<string, ModelField[] | undefined>();
  const model = (name: string): ModelField[] | undefined => {
    if (cache.has(name)) return cache.get(name);
    let fields: ModelField[] | undefined;
    try {
      const code = readFileSync(path.join(models, `${name}.js`), 'utf8');
      const declaration = readFileSync(path.join(models, `${name}.d.ts`), 'utf8');
      const map = new RegExp(`${name}\\.attributeTypeMap = (\\[[\\s\\S]*?\\]);`).exec(code)?.[1];
      const attributes = map ? (JSON.parse(map) as { baseName: string; type: string }[]) : [];
      const required = new Set([...declaration.matchAll(/^\s+'([^']+)': /gm)].map((match) => match[1]!));
      fields = attributes.map((attribute) => ({
        name: attribute.baseName,
        type: attribute.type,
        required: required.has(attribute.baseName),
      }));
    } catch {
      fields = undefined;
    }
    cache.set(name, fields);
    return fields;
  };
  return {
    release,
    model,
    modelFor(apiVersion, kind) {
      const [group, version] = apiVersion.includes('/') ? (apiVersion.split('/', 2) as [string, string]) : ['', apiVersion];
      const versionName = version.charAt(0).toUpperCase() + version.slice(1);
      // A kind in two groups at one version gets its group's name first (CoreV1Event, EventsV1Event).
      const groupName = (group.split('.')[0] || 'core').replace(/^./, (first) => first.toUpperCase());
      return [`${groupName}${versionName}${kind}`, `${versionName}${kind}`].find((name) => model(name) !== undefined);
    },
  };
}
