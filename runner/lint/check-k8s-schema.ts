/**
 * Kubernetes objects in the book's YAML (yaml blocks, snippets, here-documents fed to
 * `kubectl apply -f -`) follow the API types of the pinned
 * minor (k8s-schema.ts): no field the type does not have (`k8s-unknown-field`), no required field
 * missing (`k8s-required-field`), no value of the wrong shape (`k8s-field-type`). kubeadm's and
 * the components' configuration stay with check-yaml (kubeadm-v1beta4.ts); kinds the models do not
 * have (custom resources) are left alone. A string where the type wants one is never questioned
 * when YAML read a number (a Quantity such as `cpu: 1` is a string in the models), and a value
 * holding `${NAME}` is only known when the step runs.
 */
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parse, parseAllDocuments, type Node as YamlNode } from 'yaml';
import type { CommandStep, Position } from '../book/types.js';
import type { Problem } from '../book/problems.js';
import { findYamlSources, type YamlSource } from './check-yaml.js';
import { loadK8sSchema, type K8sSchema } from './k8s-schema.js';
import { COMPONENT_CONFIG_API_GROUPS } from './kubeadm-v1beta4.js';
import { locateInBlock, problemAt } from './locate.js';
import { commandWords, scanShell } from './scan-shell.js';
import type { Rule } from './rule.js';

const SCALARS: Record<string, (value: unknown) => boolean> = {
  string: (value) => typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean',
  number: (value) => typeof value === 'number',
  boolean: (value) => typeof value === 'boolean',
  Date: (value) => typeof value === 'string' || value instanceof Date,
  IntOrString: (value) => typeof value === 'string' || typeof value === 'number',
};

export function checkK8sSchema(sources: YamlSource[], schema: K8sSchema): Problem[] {
  const problems: Problem[] = [];
  const patches = findKustomizePatches(sources);
  for (const source of sources) {
    // A kustomize patch is part of an object: its required fields are the base's, and it may
    // hold strategic-merge directives (`$patch: delete`).
    const partial = patches.has(path.resolve(source.file));
    const lineCounter = new LineCounter();
    const at = (node: YamlNode | undefined): Position => {
      const { line, col } = lineCounter.linePos(node?.range?.[0] ?? 0);
      return { file: source.file, line: source.line + line - 1, column: source.column - 1 + col };
    };
    for (const document of parseAllDocuments(source.text, { lineCounter })) {
      if (document.errors.length > 0 || !isMap(document.contents)) continue;
      const apiVersion = document.get('apiVersion');
      const kind = document.get('kind');
      if (typeof apiVersion !== 'string' || typeof kind !== 'string') continue;
      if (COMPONENT_CONFIG_API_GROUPS.some((group) => apiVersion.startsWith(group))) continue;
      const model = schema.modelFor(apiVersion, kind);
      if (!model) continue;
      const report = (node: YamlNode | undefined, message: string, rule: string) =>
        problems.push(problemAt(at(node), `${message} (Kubernetes ${schema.release}, ${apiVersion} ${kind})`, rule));
      checkNode(document.contents, model, kind, schema, report, partial);
    }
  }
  return problems;
}

type Report = (node: YamlNode | undefined, message: string, rule: string) => void;

function checkNode(node: YamlNode | null, type: string, where: string, schema: K8sSchema, report: Report, partial: boolean): void {
  if (node === null || (isScalar(node) && (node.value === null || holdsVariable(node.value)))) return;
  if (type === 'any' || type === 'object') return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (!isSeq(node)) return report(node, `${where} is a list`, 'k8s-field-type');
    node.items.forEach((item, index) => checkNode(item as YamlNode, array[1]!, `${where}[${index}]`, schema, report, partial));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (!isMap(node)) return report(node, `${where} is a map`, 'k8s-field-type');
    for (const pair of node.items)
      checkNode(pair.value as YamlNode, map[1]!, `${where}.${String((pair.key as { value?: unknown }).value)}`, schema, report, partial);
    return;
  }
  const scalar = SCALARS[type];
  if (scalar) {
    if (!isScalar(node) || !scalar(node.value))
      report(node, `${where} is a ${type === 'IntOrString' ? 'number or string' : type}`, 'k8s-field-type');
    return;
  }
  const fields = schema.model(type);
  if (!fields) return;
  if (!isMap(node)) return report(node, `${where} is an object (${type})`, 'k8s-field-type');
  const byName = new Map(fields.map((field) => [field.name, field]));
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const field = byName.get(key);
    if (!field && partial && key.startsWith('$')) continue;
    if (!field) {
      const known = fields.map((candidate) => candidate.name);
      report(
        pair.key as YamlNode,
        `${where} has no field \`${key}\`; its fields are ${known.slice(0, 15).join(', ')}${known.length > 15 ? ', ...' : ''}`,
        'k8s-unknown-field',
      );
      continue;
    }
    checkNode(pair.value as YamlNode, field.type, `${where}.${key}`, schema, report, partial);
  }
  if (partial) return;
  for (const field of fields)
    if (field.required && !node.has(field.name)) report(node, `${where} needs \`${field.name}\``, 'k8s-required-field');
}

/** The files a kustomization among the sources names as patches (patches, patchesStrategicMerge, patchesJson6902). */
function findKustomizePatches(sources: YamlSource[]): Set<string> {
  const patches = new Set<string>();
  for (const source of sources) {
    if (!/^(kustomization\.ya?ml|Kustomization)$/.test(path.basename(source.file))) continue;
    let value: { patches?: unknown; patchesStrategicMerge?: unknown; patchesJson6902?: unknown } | null;
    try {
      value = parse(source.text) as typeof value;
    } catch {
      continue;
    }
    const listed = [value?.patches, value?.patchesStrategicMerge, value?.patchesJson6902].flatMap((list) =>
      Array.isArray(list) ? list : [],
    );
    for (const entry of listed) {
      const file = typeof entry === 'string' ? entry : (entry as { path?: unknown })?.path;
      if (typeof file === 'string' && !file.includes('\n')) patches.add(path.resolve(path.dirname(source.file), file));
    }
  }
  return patches;
}

/** The manifests a step feeds to `kubectl apply -f -` (or create) through a here-document. */
export function findHeredocManifests(steps: CommandStep[]): YamlSource[] {
  const sources: YamlSource[] = [];
  for (const step of steps) {
    for (const heredoc of scanShell(step.script).heredocs) {
      const words = commandWords(heredoc.command).map((word) => word.value);
      const fromStdin = words.some(
        (word, index) =>
          ((word === '-f' || word === '--filename') && words[index + 1] === '-') || word === '--filename=-' || word === '-f-',
      );
      if (words[0] !== 'kubectl' || !words.some((word) => word === 'apply' || word === 'create') || !fromStdin) continue;
      const start = locateInBlock(step.position, step.script, heredoc.offset);
      sources.push({ file: start.file, text: heredoc.body, line: start.line, column: start.column });
    }
  }
  return sources;
}

function holdsVariable(value: unknown): boolean {
  return typeof value === 'string' && /\$\{?[A-Za-z_]/.test(value);
}

const fence = '```';

export const k8sSchemaRule: Rule = {
  name: 'k8s-schema',
  doc: {
    summary:
      "Kubernetes objects in yaml blocks and snippets follow the pinned minor's API types: no unknown field (`k8s-unknown-field`), no required field missing (`k8s-required-field`), no value of the wrong shape (`k8s-field-type`).",
    bad: {
      chapter: `${fence}yaml {file=~/lab/pod.yaml on=workstation}\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  restartPolicy: Never\n  containers:\n    - image: nginx\n      ports: 80\n  nodeSelectors: {disk: ssd}\n${fence}\n`,
      findings: ['9:7 k8s-required-field', '10:14 k8s-field-type', '11:3 k8s-unknown-field'],
    },
    good: {
      chapter: `${fence}yaml {file=~/lab/pod.yaml on=workstation}\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  restartPolicy: Never\n  containers:\n    - name: web\n      image: nginx:\${NGINX_VERSION}\n      ports: [{containerPort: 80}]\n      resources: {limits: {cpu: 1}}\n  nodeSelector: {disk: ssd}\n${fence}\n`,
      bookYaml: 'vars:\n  NGINX_VERSION: "1.27"\n',
    },
  },
  check({ book, commands, skip }) {
    const schema = loadK8sSchema();
    if (!schema) {
      skip('Kubernetes objects were not checked against the API types: @kubernetes/client-node is not installed (npm ci)');
      return [];
    }
    return checkK8sSchema([...findYamlSources(book), ...findHeredocManifests(commands)], schema);
  },
};
