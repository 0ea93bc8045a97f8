/**
 * kubeadm's configuration format, kubeadm.k8s.io/v1beta4, as far as `lab check` checks it.
 * Written from the v1beta4 Go types (kubernetes/kubernetes cmd/kubeadm/app/apis/kubeadm/v1beta4/
 * types.go) and the reference at https://kubernetes.io/docs/reference/config-api/kubeadm-config.v1beta4/.
 */

export const KUBEADM_API_VERSION = 'kubeadm.k8s.io/v1beta4';

/** The kinds of v1beta4 and the top-level fields each one has (apiVersion and kind aside). */
export const KUBEADM_KINDS: Record<string, readonly string[]> = {
  InitConfiguration: [
    'bootstrapTokens',
    'dryRun',
    'nodeRegistration',
    'localAPIEndpoint',
    'certificateKey',
    'skipPhases',
    'patches',
    'timeouts',
  ],
  ClusterConfiguration: [
    'etcd',
    'networking',
    'kubernetesVersion',
    'controlPlaneEndpoint',
    'apiServer',
    'controllerManager',
    'scheduler',
    'dns',
    'proxy',
    'certificatesDir',
    'imageRepository',
    'featureGates',
    'clusterName',
    'encryptionAlgorithm',
    'certificateValidityPeriod',
    'caCertificateValidityPeriod',
  ],
  JoinConfiguration: ['dryRun', 'nodeRegistration', 'caCertPath', 'discovery', 'controlPlane', 'skipPhases', 'patches', 'timeouts'],
  ResetConfiguration: [
    'cleanupTmpDir',
    'certificatesDir',
    'criSocket',
    'dryRun',
    'force',
    'ignorePreflightErrors',
    'skipPhases',
    'unmountFlags',
    'timeouts',
  ],
  UpgradeConfiguration: ['apply', 'diff', 'node', 'plan', 'timeouts'],
};

/**
 * Where v1beta4 takes extra arguments: lists of `{name, value}` (v1beta3 had maps), so a flag may
 * be given twice. Paths are within the document.
 */
export const ARGUMENT_LISTS: Record<string, readonly (readonly string[])[]> = {
  InitConfiguration: [['nodeRegistration', 'kubeletExtraArgs']],
  JoinConfiguration: [['nodeRegistration', 'kubeletExtraArgs']],
  ClusterConfiguration: [
    ['apiServer', 'extraArgs'],
    ['controllerManager', 'extraArgs'],
    ['scheduler', 'extraArgs'],
    ['etcd', 'local', 'extraArgs'],
  ],
};

/**
 * Config files of kubeadm and the components, which they read from disk: no Kubernetes objects,
 * no metadata. apiserver.config.k8s.io holds the API server's (EncryptionConfiguration,
 * AdmissionConfiguration; https://kubernetes.io/docs/tasks/administer-cluster/encrypt-data/).
 */
export const COMPONENT_CONFIG_API_GROUPS = [
  'kubeadm.k8s.io/',
  'kubelet.config.k8s.io/',
  'kubeproxy.config.k8s.io/',
  'apiserver.config.k8s.io/',
];
