#!/usr/bin/env bash
# Writes to OUT (and the job's summary) what changed since the last scheduled night on main that
# recorded what it ran. Needs GH_TOKEN with actions: read.
# Usage: compare-nights.sh CURRENT_WHAT_RAN.json OUT.md
set -euo pipefail
current=$1
out=$2
here=$(dirname "$0")
mkdir -p "$(dirname "$out")"
previous=$(mktemp -d)
trap 'rm -rf "$previous"' EXIT
ids=$(gh run list --workflow nightly.yml --branch main --event schedule --status completed --limit 10 \
  --json databaseId --jq '.[].databaseId' || true)
for id in $ids; do
  [[ $id == "${GITHUB_RUN_ID:-}" ]] && continue
  if gh run download "$id" --name "nightly-$id" --dir "$previous/$id" > /dev/null 2>&1 &&
    [[ -f $previous/$id/reports/what-ran.json ]]; then
    node "$here/diff-what-ran.mjs" "$previous/$id/reports/what-ran.json" "$current" > "$out"
    echo "Compared with run $id." >> "$out"
    break
  fi
done
[[ -f $out ]] || node "$here/diff-what-ran.mjs" '' "$current" > "$out"
cat "$out" >> "${GITHUB_STEP_SUMMARY:-/dev/null}"
