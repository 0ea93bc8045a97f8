/** The YAML rules, one test each, on sources given directly. */
import { describe, expect, it } from 'vitest';
import { checkYaml, type YamlRules } from '../../runner/lint/check-yaml.js';

const HA: YamlRules = { highlyAvailable: true, podSubnet: { variable: 'POD_CIDR', value: '10.244.0.0/16' } };
const check = (text: string, rules: YamlRules = { highlyAvailable: false }) =>
  checkYaml([{ file: 'x.yaml', text, line: 1, column: 1 }], rules).map((p) => `${p.line}:${p.column}: ${p.message.split(';')[0]}`);

const cluster = (body: string) =>
  `apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\ncontrolPlaneEndpoint: "lb:6443"\nnetworking:\n  podSubnet: \${POD_CIDR}\n${body}`;

describe('checkYaml', () => {
  it('parses every document and points at a syntax error', () => {
    // The unclosed list of the second document is noticed where its input ends.
    expect(check('a: 1\n---\nb: [2\n')).toEqual([
      '4:1: Not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
  });

  it('wants apiVersion, kind and metadata.name on Kubernetes objects', () => {
    expect(check('kind: Pod\nmetadata: {name: p}\n')).toEqual(['1:1: This Pod has no apiVersion']);
    expect(check('apiVersion: v1\nkind: Service\nspec: {}\n')).toEqual(['1:1: This Service has no metadata.name']);
    expect(check('apiVersion: v1\nkind: List\nitems: []\n')).toEqual([]);
    expect(check('just: data\n')).toEqual([]);
    // The API server's own config files are read from disk and carry no metadata.
    expect(check('apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources: []\n')).toEqual([]);
  });

  it('wants kubeadm.k8s.io/v1beta4', () => {
    expect(check('apiVersion: kubeadm.k8s.io/v1beta3\nkind: InitConfiguration\n')).toEqual([
      '1:13: kubeadm configuration here is kubeadm.k8s.io/v1beta4, not kubeadm.k8s.io/v1beta3',
    ]);
  });

  it('knows the kinds of v1beta4', () => {
    expect(check('apiVersion: kubeadm.k8s.io/v1beta4\nkind: MasterConfiguration\n')).toEqual([
      '2:7: MasterConfiguration is no kind of kubeadm.k8s.io/v1beta4',
    ]);
  });

  it('knows the top-level fields of each kind', () => {
    expect(check('apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\ncertificateKey: k\ncontrolPlaneEndpoint: x\n')).toEqual([
      '4:1: InitConfiguration has no field `controlPlaneEndpoint` in kubeadm.k8s.io/v1beta4',
    ]);
  });

  it('wants extraArgs and kubeletExtraArgs as lists of name and value', () => {
    expect(check(cluster('apiServer:\n  extraArgs:\n    - name: cloud-provider\n      value: external\n'), HA)).toEqual([]);
    expect(
      check(
        'apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\nnodeRegistration:\n  kubeletExtraArgs:\n    cloud-provider: external\n',
      ),
    ).toEqual([
      '5:5: nodeRegistration.kubeletExtraArgs is a list of {name, value} in kubeadm.k8s.io/v1beta4 (a map was v1beta3\'s form): write "- name: cloud-provider" then "value: external"',
    ]);
  });

  it('wants a controlPlaneEndpoint when the book builds more than one controller', () => {
    expect(check('apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworking:\n  podSubnet: ${POD_CIDR}\n', HA)).toEqual([
      "1:1: The book builds more than one controller, so the ClusterConfiguration needs controlPlaneEndpoint (the API load balancer's address and port)",
    ]);
    expect(check('apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n')).toEqual([]);
  });

  it("wants the pod subnet to be the book's variable", () => {
    expect(check(cluster('').replace('${POD_CIDR}', '10.200.0.0/16'), HA)).toEqual([
      "5:14: networking.podSubnet is 10.200.0.0/16, but the book's pod network is ${POD_CIDR} (10.244.0.0/16)",
    ]);
    expect(check(cluster('').replace('  podSubnet: ${POD_CIDR}\n', '  serviceSubnet: 10.96.0.0/12\n'), HA)).toEqual([
      '1:1: The ClusterConfiguration sets no networking.podSubnet',
    ]);
  });

  it('leaves kubelet and kube-proxy configuration without metadata alone', () => {
    expect(check('apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n')).toEqual([]);
  });

  it("leaves the API server's encryption configuration, which has no metadata, alone", () => {
    expect(check('apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources: []\n')).toEqual([]);
  });
});
