/**
 * YAML in the book: every yaml block and every YAML file under snippets/ parses (all documents);
 * Kubernetes objects have apiVersion, kind and metadata.name; kubeadm configuration follows
 * v1beta4 (see kubeadm-v1beta4.ts), with a controlPlaneEndpoint when the book builds more than one
 * controller and a pod subnet equal to the book's POD_CIDR.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Code } from 'mdast';
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node as YamlNode } from 'yaml';
import type { Book, Position } from '../book/types.js';
import type { Problem } from '../book/problems.js';
import { parseMarkdown } from '../parse/parse-chapter.js';
import { visit } from 'unist-util-visit';
import { ARGUMENT_LISTS, COMPONENT_CONFIG_API_GROUPS, KUBEADM_API_VERSION, KUBEADM_KINDS } from './kubeadm-v1beta4.js';
import { problemAt } from './locate.js';
import type { Rule } from './rule.js';

export interface YamlSource {
  file: string;
  text: string;
  /** Where the text starts in the file: line 1 for a file, the line after the fence for a block. */
  line: number;
  column: number;
}

export interface YamlRules {
  /** The book builds more than one controller, so kubeadm needs a controlPlaneEndpoint. */
  highlyAvailable: boolean;
  /** The pod subnet the book's variable gives, as written (`${POD_CIDR}`) and as its value. */
  podSubnet?: { variable: string; value: string };
}

export function rulesFor(book: Book): YamlRules {
  const podCidr = book.vars.find((variable) => variable.name === 'POD_CIDR');
  return {
    highlyAvailable: (book.groups.controllers?.length ?? 0) > 1,
    ...(podCidr ? { podSubnet: { variable: podCidr.name, value: podCidr.default } } : {}),
  };
}

/** Every ```yaml block of the book's pages and every .yaml/.yml file under snippets/. */
export function findYamlSources(book: Book): YamlSource[] {
  const sources: YamlSource[] = [];
  for (const page of [...book.chapters, ...book.appendices]) {
    const tree = parseMarkdown(readFileSync(page.file, 'utf8'));
    visit(tree, 'code', (node: Code) => {
      if (!/^ya?ml$/.test(node.lang ?? '')) return;
      if (node.value.trim() === '') return; // an include: its snippet is checked as a file
      sources.push({ file: page.file, text: node.value, line: node.position!.start.line + 1, column: node.position!.start.column });
    });
  }
  for (const file of listYamlFiles(path.join(book.root, 'snippets')))
    sources.push({ file, text: readFileSync(file, 'utf8'), line: 1, column: 1 });
  return sources;
}

function listYamlFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { recursive: true, withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

export function checkYaml(sources: YamlSource[], rules: YamlRules): Problem[] {
  const problems: Problem[] = [];
  let sawPodSubnet = false;
  let sawClusterConfiguration: Position | undefined;
  for (const source of sources) {
    const lineCounter = new LineCounter();
    const documents = parseAllDocuments(source.text, { lineCounter, prettyErrors: false });
    const at = (offset: number): Position => {
      const { line, col } = lineCounter.linePos(offset);
      return { file: source.file, line: source.line + line - 1, column: source.column - 1 + col };
    };
    const documentList = Array.isArray(documents) ? documents : [documents];
    for (const document of documentList) {
      if (document.errors.length > 0) {
        for (const error of document.errors)
          problems.push(problemAt(at(error.pos[0]), `Not valid YAML: ${error.message.split('\n')[0]}`, 'bad-yaml'));
        continue;
      }
      const result = checkDocument(document, at, rules);
      problems.push(...result.problems);
      sawPodSubnet ||= result.podSubnet;
      if (result.clusterConfiguration) sawClusterConfiguration ??= result.clusterConfiguration;
    }
  }
  if (rules.podSubnet && sawClusterConfiguration && !sawPodSubnet) {
    problems.push(
      problemAt(
        sawClusterConfiguration,
        `The ClusterConfiguration sets no networking.podSubnet; set it to \${${rules.podSubnet.variable}} so every node gets a pod CIDR for the pod network`,
        'kubeadm-pod-subnet',
      ),
    );
  }
  return problems;
}

type At = (offset: number) => Position;

function checkDocument(
  document: Document,
  at: At,
  rules: YamlRules,
): { problems: Problem[]; podSubnet: boolean; clusterConfiguration?: Position } {
  const problems: Problem[] = [];
  const root = document.contents;
  if (!isMap(root)) return { problems, podSubnet: false };
  const start = at(root.range?.[0] ?? 0);
  const apiVersion = scalarAt(document, ['apiVersion']);
  const kind = scalarAt(document, ['kind']);
  if (apiVersion === undefined && kind === undefined) return { problems, podSubnet: false };
  if (apiVersion === undefined)
    problems.push(problemAt(start, `This ${kind} has no apiVersion; every Kubernetes object and config file names one`, 'k8s-object'));
  if (kind === undefined) problems.push(problemAt(start, 'This document has an apiVersion but no kind', 'k8s-object'));
  if (apiVersion === undefined || kind === undefined) return { problems, podSubnet: false };

  const isComponentConfig = COMPONENT_CONFIG_API_GROUPS.some((group) => apiVersion.startsWith(group));
  if (
    !isComponentConfig &&
    !kind.endsWith('List') &&
    scalarAt(document, ['metadata', 'name']) === undefined &&
    scalarAt(document, ['metadata', 'generateName']) === undefined
  ) {
    problems.push(problemAt(start, `This ${kind} has no metadata.name`, 'k8s-object'));
  }
  if (!apiVersion.startsWith('kubeadm.k8s.io/')) return { problems, podSubnet: false };

  const nodeAt = (keyPath: readonly (string | number)[]) =>
    at((document.getIn(keyPath, true) as YamlNode | undefined)?.range?.[0] ?? root.range?.[0] ?? 0);
  if (apiVersion !== KUBEADM_API_VERSION) {
    problems.push(
      problemAt(nodeAt(['apiVersion']), `kubeadm configuration here is ${KUBEADM_API_VERSION}, not ${apiVersion}`, 'kubeadm-api-version'),
    );
    return { problems, podSubnet: false };
  }
  const fields = KUBEADM_KINDS[kind];
  if (!fields) {
    problems.push(
      problemAt(
        nodeAt(['kind']),
        `${kind} is no kind of ${KUBEADM_API_VERSION}; it has ${Object.keys(KUBEADM_KINDS).join(', ')}`,
        'kubeadm-kind',
      ),
    );
    return { problems, podSubnet: false };
  }
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (key === 'apiVersion' || key === 'kind' || fields.includes(key)) continue;
    problems.push(
      problemAt(
        at((pair.key as YamlNode).range?.[0] ?? 0),
        `${kind} has no field \`${key}\` in ${KUBEADM_API_VERSION}; its fields are ${fields.join(', ')}`,
        'kubeadm-field',
      ),
    );
  }
  for (const argumentPath of ARGUMENT_LISTS[kind] ?? []) {
    const node = document.getIn(argumentPath, true) as YamlNode | undefined;
    if (node === undefined) continue;
    const listForm =
      isSeq(node) &&
      node.items.every(
        (item) =>
          isMap(item) &&
          item.items.every((entry) => isScalar(entry.key) && ['name', 'value'].includes(String(entry.key.value))) &&
          item.has('name'),
      );
    if (!listForm) {
      problems.push(
        problemAt(
          at(node.range?.[0] ?? 0),
          `${argumentPath.join('.')} is a list of {name, value} in ${KUBEADM_API_VERSION} (a map was v1beta3's form): write "- name: cloud-provider" then "value: external"`,
          'kubeadm-extra-args',
        ),
      );
    }
  }
  let podSubnet = false;
  if (kind === 'ClusterConfiguration') {
    if (rules.highlyAvailable && scalarAt(document, ['controlPlaneEndpoint']) === undefined) {
      problems.push(
        problemAt(
          start,
          "The book builds more than one controller, so the ClusterConfiguration needs controlPlaneEndpoint (the API load balancer's address and port)",
          'kubeadm-endpoint',
        ),
      );
    }
    const subnet = scalarAt(document, ['networking', 'podSubnet']);
    if (subnet !== undefined) {
      podSubnet = true;
      const expected = rules.podSubnet;
      if (expected && subnet !== `\${${expected.variable}}` && subnet !== expected.value) {
        problems.push(
          problemAt(
            nodeAt(['networking', 'podSubnet']),
            `networking.podSubnet is ${subnet}, but the book's pod network is \${${expected.variable}} (${expected.value}); use the variable`,
            'kubeadm-pod-subnet',
          ),
        );
      }
    }
  }
  return { problems, podSubnet, ...(kind === 'ClusterConfiguration' ? { clusterConfiguration: start } : {}) };
}

function scalarAt(document: Document, keyPath: readonly string[]): string | undefined {
  const node = document.getIn(keyPath, true);
  return isScalar(node) && node.value !== null && node.value !== '' ? String(node.value) : undefined;
}

export const yamlRule: Rule = {
  name: 'yaml',
  doc: {
    summary:
      "YAML blocks and snippets parse (`bad-yaml`); objects name apiVersion, kind and metadata.name (`k8s-object`); kubeadm configuration is v1beta4 with its kinds, fields and list-form extraArgs (`kubeadm-api-version`, `kubeadm-kind`, `kubeadm-field`, `kubeadm-extra-args`), a controlPlaneEndpoint when there are several controllers (`kubeadm-endpoint`), and the book's pod subnet (`kubeadm-pod-subnet`).",
    bad: {
      chapter: '```yaml {file=/etc/kubernetes/kubeadm/init.yaml on=controllers include=snippets/init.yaml}\n```\n',
      bookYaml: 'vars:\n  POD_CIDR: 10.244.0.0/16\n',
      files: {
        'snippets/init.yaml':
          'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\ncontrolPlaneEndpoint: lb:6443\nnetworking:\n  podSubnet: 10.0.0.0/16\napiServer:\n  extraArgs:\n    cloud-provider: external\n',
      },
      findings: ['snippets/init.yaml:5:14 kubeadm-pod-subnet', 'snippets/init.yaml:8:5 kubeadm-extra-args'],
    },
    good: {
      chapter: '```yaml {file=/etc/kubernetes/kubeadm/init.yaml on=controllers include=snippets/init.yaml}\n```\n',
      bookYaml: 'vars:\n  POD_CIDR: 10.244.0.0/16\n',
      files: {
        'snippets/init.yaml':
          'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\ncontrolPlaneEndpoint: lb:6443\nnetworking:\n  podSubnet: ${POD_CIDR}\napiServer:\n  extraArgs:\n    - name: cloud-provider\n      value: external\n',
      },
    },
  },
  check: ({ book }) => checkYaml(findYamlSources(book), rulesFor(book)),
};
