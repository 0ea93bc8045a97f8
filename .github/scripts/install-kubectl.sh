#!/usr/bin/env bash
# Installs the kubectl of the book's KUBERNETES_VERSION (docs/book.yaml), checked against the
# SHA-256 that dl.k8s.io publishes beside it, and puts it first on the job's PATH: the nightly's
# kubectl is pinned like its gcloud, never the runner image's.
# Source: https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/ (curl the binary and its .sha256).
set -euo pipefail
version=$(node --input-type=module -e "
  import { readFileSync } from 'node:fs';
  import { parse } from 'yaml';
  console.log(parse(readFileSync('docs/book.yaml', 'utf8')).vars.KUBERNETES_VERSION);
")
if [[ ! $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "install-kubectl: KUBERNETES_VERSION in docs/book.yaml is \`$version\`, not a version" >&2
  exit 2
fi
bin="${RUNNER_TEMP:?}/kubectl-bin"
mkdir -p "$bin"
url="https://dl.k8s.io/release/v${version}/bin/linux/amd64/kubectl"
curl --fail --silent --show-error --location --retry 3 --output "$bin/kubectl" "$url"
echo "$(curl --fail --silent --show-error --location --retry 3 "$url.sha256")  $bin/kubectl" | sha256sum --check --strict
chmod 0755 "$bin/kubectl"
echo "$bin" >> "${GITHUB_PATH:?}"
"$bin/kubectl" version --client
