#!/usr/bin/env bash
# Removes from the project's metadata every SSH key whose comment is LAB, or LAB-<anything> for
# `LAB-*` (as `lab janitor --prefix` reads its argument): the keys
# `gcloud compute ssh` wrote there for the nightly's runs (the workflow makes each run's key with
# the run's prefix as its comment). A key left in project metadata lets its holder log in, with
# sudo, to every VM of the project that does not block project keys.
# Usage: remove-ssh-keys.sh LAB|LAB-*   (needs compute.projects.get and setCommonInstanceMetadata)
set -euo pipefail
pattern=${1:?usage: remove-ssh-keys.sh LAB|LAB-*}
if [[ ! $pattern =~ ^[a-z][-a-z0-9]*(-\*)?$ ]]; then
  echo "remove-ssh-keys: \`$pattern\` is not a lab name (LAB or LAB-*)" >&2
  exit 2
fi
project=${PROJECT_ID:-$(gcloud config get project 2> /dev/null)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcloud compute project-info describe --project "$project" --format json > "$work/project.json"
# Lines are `user:TYPE DATA COMMENT` (gcloud's ssh_utils: ToEntry(include_comment=True)).
node --input-type=module - "$work/project.json" "$pattern" "$work/keep" > "$work/removed" <<'JS'
import { readFileSync, writeFileSync } from 'node:fs';
const [file, pattern, keepFile] = process.argv.slice(2);
const items = JSON.parse(readFileSync(file, 'utf8')).commonInstanceMetadata?.items ?? [];
const lines = (items.find((item) => item.key === 'ssh-keys')?.value ?? '').split('\n').filter((line) => line.trim());
const ours = (line) => {
  const comment = line.trim().split(/\s+/)[2] ?? '';
  return pattern.endsWith('-*') ? comment.startsWith(pattern.slice(0, -1)) : comment === pattern;
};
writeFileSync(keepFile, lines.filter((line) => !ours(line)).join('\n'));
for (const line of lines.filter(ours)) console.log(`${line.split(':')[0]} ${line.trim().split(/\s+/)[2]}`);
JS
if [[ ! -s $work/removed ]]; then
  echo "No SSH key of ${pattern} in project ${project}'s metadata."
  exit 0
fi
if [[ -s $work/keep ]]; then
  gcloud compute project-info add-metadata --project "$project" --metadata-from-file "ssh-keys=$work/keep"
else
  gcloud compute project-info remove-metadata --project "$project" --keys ssh-keys
fi
echo "Removed from project ${project}'s metadata the SSH keys of:"
sed 's/^/  /' "$work/removed"
