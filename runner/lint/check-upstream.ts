/**
 * `lab check --online`: what the book applies from upstream, rendered at the book's pins, agrees
 * with the book. Each `kubectl apply -f URL` is fetched, each `kubectl apply -k TARGET` is built
 * with `kubectl kustomize` (a remote target at its ?ref=, a local one from the file steps that
 * write it), and each `-f` of a file the book writes is read from that step. Then:
 * - every namespace a rendered object is put in is created (a Namespace object the book applies,
 *   or `kubectl create namespace`), or is one Kubernetes makes itself (`upstream-namespace`);
 * - every image whose repository the book names carries the tag the book states (`upstream-image`);
 * - every kind exists in the pinned Kubernetes minor (the API types k8s-schema.ts reads, when
 *   they are the pinned minor's) or is defined by a CustomResourceDefinition applied with it
 *   (`upstream-kind`).
 * Whatever cannot be fetched or built is said out loud as skipped, with the reason.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Book, CommandStep, FileStep, Position } from '../book/types.js';
import type { Problem } from '../book/problems.js';
import { findOnPath } from '../execute/preflight.js';
import { findKubectl } from './check-kubectl.js';
import { loadK8sSchema, type K8sSchema } from './k8s-schema.js';
import { locateInBlock, problemAt } from './locate.js';
import type { Rule } from './rule.js';
import { commandWords, scanShell } from './scan-shell.js';
import { expandWord } from './shell-sources.js';

/** Namespaces a cluster has from the start (kube-apiserver creates them). */
const BUILT_IN_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);
const FETCH_TIMEOUT_MS = 30_000;

export interface Application {
  /** `-f` or `-k`. */
  flag: '-f' | '-k';
  /** The target with the book's variables put in. */
  target: string;
  position: Position;
  /** For `-f -` fed by a here-document: the manifest itself. */
  stdin?: string;
}

export interface RenderedObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  images: string[];
  /** The CRD's group, version and kind, for a CustomResourceDefinition. */
  defines?: string[];
}

/** Every `kubectl apply|create -f X` and `-k X` of the book's steps. */
export function findApplications(book: Book, steps: CommandStep[]): Application[] {
  const values = new Map(book.vars.map((variable) => [variable.name, variable.default]));
  const found: Application[] = [];
  for (const step of steps) {
    const scan = scanShell(step.script);
    for (const command of scan.commands) {
      const words = commandWords(command);
      if (words[0]?.value !== 'kubectl' || !words.some((word) => word.value === 'apply' || word.value === 'create')) continue;
      words.forEach((word, index) => {
        const match = /^(-f|--filename|-k|--kustomize)(=(.*))?$/s.exec(word.value.includes('\0') ? word.text : word.value);
        if (!match) return;
        const text = match[2] ? word.text.slice(word.text.indexOf('=') + 1) : words[index + 1]?.text;
        if (text === undefined) return;
        const flag = match[1] === '-k' || match[1] === '--kustomize' ? '-k' : '-f';
        const position = locateInBlock(step.position, step.script, word.offset);
        if (flag === '-f' && text === '-') {
          // From a here-document: its manifest is the book's own. From a pipe: made here, by the
          // command before it (`kubectl create ... --dry-run=client -o yaml`), nothing upstream.
          const heredoc = scan.heredocs.find((candidate) => candidate.command === command);
          if (heredoc) found.push({ flag, target: 'a here-document', position, stdin: substitute(heredoc.body, book) });
          return;
        }
        found.push({ flag, target: normalizeHome(expandWord(normalizeHome(text), values).text), position });
      });
    }
  }
  return found;
}

/** The text of each object document, as kubectl would apply it; a reason when it cannot be had. */
export async function renderApplication(
  application: Application,
  book: Book,
  kubectl: string,
): Promise<{ text: string } | { error: string }> {
  const { target } = application;
  const files = book.chapters
    .flatMap((chapter) => chapter.steps)
    .filter((step): step is FileStep => step.kind === 'file')
    .map((step) => ({ path: normalizeHome(substitute(step.path, book)), step }));
  if (application.stdin !== undefined) return { text: application.stdin };
  if (application.flag === '-f') {
    if (/^https?:\/\//.test(target)) return fetchText(target);
    const written = files.find((file) => file.path === normalizeHome(target));
    return written ? { text: substitute(written.step.content, book) } : { error: `no file step of the book writes ${target}` };
  }
  const local = normalizeHome(target);
  const inside = files.filter((file) => file.path.startsWith(`${local.replace(/\/$/, '')}/`));
  const { execa } = await import('execa');
  let dir: string | undefined;
  try {
    let build = target;
    if (inside.length > 0) {
      dir = mkdtempSync(path.join(tmpdir(), 'lab-kustomize-'));
      for (const file of inside) {
        const destination = path.join(dir, file.path.slice(local.replace(/\/$/, '').length + 1));
        mkdirSync(path.dirname(destination), { recursive: true });
        writeFileSync(destination, substitute(file.step.content, book));
      }
      build = dir;
    } else if (!isRemoteKustomization(target)) {
      return { error: `no file step of the book writes a kustomization under ${target}` };
    }
    const result = await execa(kubectl, ['kustomize', build], { reject: false, stdin: 'ignore', timeout: 120_000 });
    if (result.exitCode !== 0) return { error: `kubectl kustomize ${target} failed: ${String(result.stderr).trim().split('\n')[0]}` };
    return { text: String(result.stdout) };
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

function isRemoteKustomization(target: string): boolean {
  return /^(https?:\/\/|git::|file:\/\/|ssh:\/\/|git@|github\.com\/|gitlab\.com\/)/.test(target);
}

/** `~/x`, `$HOME/x` and `${HOME}/x` (quoted or not) name one file. */
function normalizeHome(file: string): string {
  return file.replace(/^(["']?)(~|\$\{?HOME\}?)(?=\/)/, '$1~');
}

/** ${NAME} in a file step's content is replaced by the runner; here by the book's defaults. */
function substitute(content: string, book: Book): string {
  const values = new Map(book.vars.map((variable) => [variable.name, variable.default]));
  return content.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => values.get(name) || whole);
}

async function fetchText(url: string): Promise<{ text: string } | { error: string }> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'follow' });
    if (!response.ok) return { error: `${url} answered ${response.status} ${response.statusText}` };
    return { text: await response.text() };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { error: `${url} could not be fetched: ${cause?.code ?? cause?.message ?? (error as Error).message}` };
  }
}

export function readObjects(text: string): RenderedObject[] {
  const objects: RenderedObject[] = [];
  for (const document of parseAllDocuments(text)) {
    const value = document.toJS() as Record<string, unknown> | null;
    if (!value || typeof value !== 'object' || typeof value.kind !== 'string') continue;
    const items = value.kind.endsWith('List') && Array.isArray(value.items) ? (value.items as Record<string, unknown>[]) : [value];
    for (const item of items) {
      const metadata = (item.metadata ?? {}) as { name?: string; namespace?: string };
      const spec = item.spec as { group?: string; names?: { kind?: string }; versions?: { name: string }[] } | undefined;
      objects.push({
        apiVersion: String(item.apiVersion ?? ''),
        kind: String(item.kind ?? ''),
        name: String(metadata.name ?? ''),
        ...(metadata.namespace ? { namespace: String(metadata.namespace) } : {}),
        images: findImages(item),
        ...(item.kind === 'CustomResourceDefinition' && spec?.group && spec.names?.kind
          ? { defines: (spec.versions ?? []).map((version) => `${spec.group}/${version.name}/${spec.names!.kind}`) }
          : {}),
      });
    }
  }
  return objects;
}

function findImages(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) findImages(item, found);
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'image' && typeof inner === 'string') found.push(inner);
      else findImages(inner, found);
    }
  }
  return found;
}

/**
 * The image pins book.yaml states (the one place for the book's facts): each repository it names
 * (`registry.k8s.io/pause:3.10`, or bare with a version variable beside it), with the tags it
 * gives and the values of its *_VERSION variables.
 */
export interface StatedImages {
  repositories: Map<string, Set<string>>;
  versions: string[];
}

export function findStatedImages(book: Book): StatedImages {
  const text = substitute(readFileSync(path.join(book.dir, 'book.yaml'), 'utf8'), book);
  const repositories = new Map<string, Set<string>>();
  for (const match of text.matchAll(/\b((?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?(?:\/[a-z0-9._-]+)+)(?::([\w][\w.-]{0,127}))?/g)) {
    const [, repository, tag] = match as unknown as [string, string, string | undefined];
    if (!repositories.has(repository)) repositories.set(repository, new Set());
    if (tag) repositories.get(repository)!.add(tag);
  }
  const versions = book.vars.filter((variable) => /_VERSION$/.test(variable.name) && variable.default).map((variable) => variable.default);
  return { repositories, versions };
}

/** Whether an image of a repository book.yaml names carries a tag it states or one of its versions. */
function carriesPin(stated: StatedImages, repository: string, tag: string): boolean | undefined {
  const tags = stated.repositories.get(repository);
  if (!tags) return undefined;
  if (tags.has(tag)) return true;
  return stated.versions.some((version) => tagCarries(tag, version));
}

/** `v1.26.0`, `1.26.0` and `v1.26.0-gke.1` carry 1.26.0; `v1.26.01` does not. */
function tagCarries(tag: string, version: string): boolean {
  return new RegExp(`^v?${version.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![0-9])`).test(tag);
}

/**
 * The project a target comes from (github.com/ORG/NAME/..., raw.githubusercontent.com/ORG/NAME/...)
 * and the versions of the book's *_VERSION variables it names (its ?ref=, its release tag): an
 * image of that project (its repository's last part is NAME) is expected at that version.
 */
function projectOf(target: string): { name?: string; pins: string[] } {
  const name = (/(?:github\.com|githubusercontent\.com)\/[^/]+\/([^/?#]+)/.exec(target) ??
    /^file:\/\/(?:[^?]*\/)?([^/?]+)\/\//.exec(target))?.[1]?.replace(/\.git$/, '');
  const pins = [...target.matchAll(/[?&]ref=v?([0-9][\w.-]*)|\/(?:download|tags?)\/v?([0-9][\w.-]*)\//g)].map(
    (match) => match[1] ?? match[2]!,
  );
  return { ...(name ? { name } : {}), pins };
}

/** Repositories whose image a step of the book sets itself with a tag book.yaml pins. */
function findOverriddenImages(book: Book, steps: CommandStep[], stated: StatedImages): Set<string> {
  const overridden = new Set<string>();
  for (const step of steps) {
    if (!/\bkubectl\b[^\n]*\b(patch|set\s+image)\b/.test(step.script)) continue;
    for (const match of substitute(step.script, book).matchAll(/((?:[a-z0-9-]+\.)+[a-z]{2,}(?:\/[a-z0-9._-]+)+):([\w][\w.-]*)/g))
      if (carriesPin(stated, match[1]!, match[2]!)) overridden.add(match[1]!);
  }
  return overridden;
}

/** The API types of the book's pinned minor (K8S_MINOR, or KUBERNETES_VERSION's), or why not. */
function findPinnedSchema(book: Book, skip: (notice: string) => void): K8sSchema | undefined {
  const schema = loadK8sSchema();
  const pinned =
    book.vars.find((variable) => variable.name === 'K8S_MINOR')?.default ||
    /^(\d+\.\d+)/.exec(book.vars.find((variable) => variable.name === 'KUBERNETES_VERSION')?.default ?? '')?.[1];
  if (!schema) skip('kinds were not checked: @kubernetes/client-node is not installed (npm ci)');
  else if (!pinned) skip('kinds were not checked: book.yaml pins no K8S_MINOR or KUBERNETES_VERSION');
  else if (schema.release !== pinned)
    skip(
      `kinds were not checked: the API types at hand are Kubernetes ${schema.release}'s, the book pins ${pinned} (install the @kubernetes/client-node generated from release-${pinned})`,
    );
  else return schema;
  return undefined;
}

/** Namespaces the book creates itself: `kubectl create namespace X` and Namespace objects in its YAML. */
function findCreatedNamespaces(book: Book, steps: CommandStep[]): Set<string> {
  const created = new Set(BUILT_IN_NAMESPACES);
  for (const step of steps)
    for (const command of scanShell(step.script).commands) {
      const words = commandWords(command).map((word) => word.value);
      const at = words.findIndex((word, index) => word === 'create' && (words[index + 1] === 'namespace' || words[index + 1] === 'ns'));
      if (words[0] === 'kubectl' && at !== -1 && words[at + 2]) created.add(words[at + 2]!);
    }
  for (const step of book.chapters.flatMap((chapter) => chapter.steps))
    if (step.kind === 'file')
      for (const object of safeObjects(substitute(step.content, book))) if (object.kind === 'Namespace') created.add(object.name);
  return created;
}

function safeObjects(text: string): RenderedObject[] {
  try {
    return readObjects(text);
  } catch {
    return [];
  }
}

export async function checkUpstream(book: Book, steps: CommandStep[], skip: (notice: string) => void): Promise<Problem[]> {
  const applications = findApplications(book, steps);
  if (applications.length === 0) return [];
  const kubectl = findKubectl();
  if (!kubectl || !findOnPath('git')) {
    skip('what the book applies from upstream was not checked: --online needs kubectl and git (for kustomize builds)');
    return [];
  }
  const rendered = await Promise.all(
    applications.map(async (application) => ({ application, result: await renderApplication(application, book, kubectl) })),
  );
  const schema = findPinnedSchema(book, skip);
  const all = rendered.flatMap(({ application, result }) =>
    'text' in result ? safeObjects(result.text).map((object) => ({ application, object })) : [],
  );
  const namespaces = findCreatedNamespaces(book, steps);
  for (const { object } of all) if (object.kind === 'Namespace') namespaces.add(object.name);
  const defined = new Set(all.flatMap(({ object }) => object.defines ?? []));
  const stated = findStatedImages(book);
  const overridden = findOverriddenImages(book, steps, stated);
  for (const { application, result } of rendered)
    if ('error' in result) skip(`${application.flag} ${application.target} was not checked: ${result.error}`);
  // One finding per target and fault, naming the first object and how many more share it.
  const faults = new Map<string, { application: Application; rule: string; labels: string[]; say: (labels: string) => string }>();
  const fault = (application: Application, rule: string, what: string, label: string, say: (labels: string) => string) => {
    const key = `${application.position.file}:${application.position.line}:${application.position.column}|${rule}|${what}`;
    const found = faults.get(key) ?? { application, rule, labels: [], say };
    if (!found.labels.includes(label)) found.labels.push(label);
    faults.set(key, found);
  };
  for (const { application, object } of all) {
    const label = `${object.kind} ${object.namespace ? `${object.namespace}/` : ''}${object.name}`;
    if (object.namespace && !namespaces.has(object.namespace)) {
      const namespace = object.namespace;
      fault(
        application,
        'upstream-namespace',
        namespace,
        label,
        (labels) =>
          `${labels} (from ${application.target}) ${labels.includes(' more') ? 'are' : 'is'} in namespace ${namespace}, which nothing in the book creates`,
      );
    }
    for (const image of object.images) {
      const [, repository = image, tag = 'latest'] = /^(.*?)(?::([\w][\w.-]*))?(?:@sha256:[a-f0-9]+)?$/.exec(image) ?? [];
      // A step that sets the image itself (`kubectl patch`/`set image` with the pinned tag) puts it right.
      if (overridden.has(repository)) continue;
      const project = projectOf(application.target);
      const fromProject = project.name !== undefined && project.pins.length > 0 && repository.split('/').at(-1) === project.name;
      const pinned = fromProject ? project.pins.some((version) => tagCarries(tag, version)) : carriesPin(stated, repository, tag);
      if (pinned === false) {
        const wanted = fromProject
          ? `the book applies ${project.name} at ${project.pins.join(', ')}`
          : `book.yaml pins ${repository} at ${[...(stated.repositories.get(repository) ?? [])].join(', ') || `one of ${stated.versions.join(', ')}`}`;
        fault(
          application,
          'upstream-image',
          image,
          label,
          (labels) => `${labels} (from ${application.target}) ${labels.includes(' more') ? 'run' : 'runs'} ${image}, but ${wanted}`,
        );
      }
    }
    const gvk = `${object.apiVersion}/${object.kind}`;
    if (schema && !schema.modelFor(object.apiVersion, object.kind) && !defined.has(gvk)) {
      const release = schema.release;
      fault(
        application,
        'upstream-kind',
        gvk,
        label,
        (labels) =>
          `${labels} (from ${application.target}): ${gvk} is no kind of Kubernetes ${release}, and no CRD applied with it defines it`,
      );
    }
  }
  return [...faults.values()].map(({ application, rule, labels, say }) =>
    problemAt(application.position, say(labels.length > 1 ? `${labels[0]} and ${labels.length - 1} more` : labels[0]!), rule),
  );
}

const fence = '```';

export const upstreamRule: Rule = {
  name: 'upstream',
  doc: {
    summary:
      'With --online, what the book applies (URLs, kustomize builds at their ?ref=, files it writes) uses only namespaces the book creates (`upstream-namespace`), the image tags the book states (`upstream-image`), and kinds of the pinned Kubernetes or of CRDs applied with them (`upstream-kind`).',
    bad: {
      chapter: `${fence}yaml {file=~/lab/app/kustomization.yaml on=workstation}\nresources: [app.yaml]\n${fence}\n\n${fence}yaml {file=~/lab/app/app.yaml on=workstation}\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app, namespace: app}\nspec:\n  selector: {matchLabels: {app: app}}\n  template:\n    metadata: {labels: {app: app}}\n    spec:\n      containers: [{name: app, image: "registry.k8s.io/pause:3.9"}]\n${fence}\n\n${fence}sh {kubectl}\nkubectl apply -k ~/lab/app\n${fence}\n`,
      bookYaml: '# The pause image: registry.k8s.io/pause:3.10\n',
      findings: ['18:15 upstream-namespace', '18:15 upstream-image'],
    },
    good: {
      chapter: `${fence}yaml {file=~/lab/app/kustomization.yaml on=workstation}\nresources: [app.yaml]\n${fence}\n\n${fence}yaml {file=~/lab/app/app.yaml on=workstation}\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app, namespace: app}\nspec:\n  selector: {matchLabels: {app: app}}\n  template:\n    metadata: {labels: {app: app}}\n    spec:\n      containers: [{name: app, image: "registry.k8s.io/pause:3.10"}]\n${fence}\n\n${fence}sh {kubectl}\nkubectl create namespace app\nkubectl apply -k ~/lab/app\n${fence}\n`,
      bookYaml: '# The pause image: registry.k8s.io/pause:3.10\n',
    },
  },
  check: ({ book, commands, online, skip }) => (online ? checkUpstream(book, commands, skip) : []),
};
