/** Kubernetes objects against the pinned minor's API types, kustomize patches as the parts they are. */
import { describe, expect, it } from 'vitest';
import { checkK8sSchema, findHeredocManifests } from '../../runner/lint/check-k8s-schema.js';
import type { CommandStep } from '../../runner/book/types.js';
import { loadK8sSchema } from '../../runner/lint/k8s-schema.js';

const schema = loadK8sSchema()!;
const patch = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: controller
spec:
  template:
    spec:
      containers:
        - name: c
          volumeMounts:
            - $patch: delete
              mountPath: /etc/key
`;
const check = (files: Record<string, string>) =>
  checkK8sSchema(
    Object.entries(files).map(([file, text]) => ({ file: `/book/snippets/${file}`, text, line: 1, column: 1 })),
    schema,
  ).map((p) => `${p.file.replace('/book/snippets/', '')}:${p.line}:${p.column} ${p.rule}`);

describe('checkK8sSchema', () => {
  it('reads the API types of Kubernetes 1.36 from @kubernetes/client-node', () => {
    expect(schema.release).toBe('1.36');
    expect(schema.modelFor('apps/v1', 'Deployment')).toBe('V1Deployment');
    expect(schema.modelFor('v1', 'Event')).toBe('CoreV1Event');
    expect(schema.modelFor('extensions/v1beta1', 'Deployment')).toBeUndefined();
  });

  it('takes a file a kustomization names as a patch for a part of an object: no required fields, directives allowed', () => {
    expect(check({ 'patch.yaml': patch, 'kustomization.yaml': 'resources: [base.yaml]\npatches:\n  - path: patch.yaml\n' })).toEqual([]);
    expect(check({ 'patch.yaml': patch, 'kustomization.yaml': 'patchesStrategicMerge: [patch.yaml]\n' })).toEqual([]);
  });

  it('checks the same document in full when no kustomization names it as a patch', () => {
    expect(check({ 'patch.yaml': patch })).toEqual([
      'patch.yaml:11:15 k8s-unknown-field',
      'patch.yaml:11:15 k8s-required-field',
      'patch.yaml:6:3 k8s-required-field',
    ]);
  });

  it('finds an unknown field even in a patch', () => {
    expect(
      check({
        'patch.yaml': patch.replace('mountPath: /etc/key', 'mountPth: /etc/key'),
        'kustomization.yaml': 'patches: [{path: patch.yaml}]\n',
      }),
    ).toEqual(['patch.yaml:12:15 k8s-unknown-field']);
  });
});

describe('findHeredocManifests', () => {
  it('reads the manifest a step feeds to kubectl apply -f -, at its lines in the chapter', () => {
    const script =
      "echo first\nkubectl apply -f - <<'EOF'\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\nbinaryData: 3\nEOF\ncat <<EOF\nkind: Pod\nEOF\n";
    const step = { script, position: { file: '/book/docs/01.md', line: 10, column: 1 } } as CommandStep;
    const sources = findHeredocManifests([step]);
    expect(sources.map(({ line, column }) => `${line}:${column}`)).toEqual(['13:1']);
    expect(checkK8sSchema(sources, schema).map((p) => `${p.line}:${p.column} ${p.rule}`)).toEqual(['17:13 k8s-field-type']);
  });
});
