#!/usr/bin/env bash
# Takes docs/book.yaml from a pull request (Renovate's, one pin each) onto main's checkout, and
# refuses anything but changed pin values. The nightly then runs main's workflow and runner with the
# pull request's pins, so its credentials (WIF admits main's nightly only) never run a pull
# request's own code: a pin value is a version or a commit, never shell.
# Usage: take-pins.sh PR_NUMBER   (run before npm ci and before authenticating)
set -euo pipefail
pr=${1:-}
if [[ ! $pr =~ ^[1-9][0-9]{0,6}$ ]]; then
  echo "take-pins: \`$pr\` is not a pull request number" >&2
  exit 2
fi
git fetch --quiet --no-tags --depth=1 origin "+refs/pull/${pr}/head:refs/remotes/pr/${pr}"
changed=$(git diff --name-only HEAD "pr/${pr}")
if [[ $changed != docs/book.yaml ]]; then
  printf 'take-pins: pull request #%s changes more than docs/book.yaml (rebase it on main):\n%s\n' "$pr" "$changed" >&2
  exit 2
fi
# Every changed line must be a pin, `  NAME_VERSION: value` or `  NAME_COMMIT: "value"` (the pins
# renovate.json manages; never MACHINE_TYPE or another setting), the value letters, digits, . + - _
pin='^[-+]  [A-Z][A-Z0-9_]*_(VERSION|COMMIT): ("?)[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}\2$'
bad=$(git diff -U0 HEAD "pr/${pr}" -- docs/book.yaml | grep -E '^[-+]' | grep -vE '^(---|\+\+\+) ' | grep -vE "$pin" || true)
if [[ -n $bad ]]; then
  printf 'take-pins: pull request #%s changes docs/book.yaml beyond pin values:\n%s\n' "$pr" "$bad" >&2
  exit 2
fi
# The same pins must leave and come back: a pin changes its value, never its name.
names() { git diff -U0 HEAD "pr/${pr}" -- docs/book.yaml | grep -E "^\\$1  " | sed -E 's/^.  ([A-Z0-9_]+):.*/\1/' | sort; }
if [[ $(names -) != "$(names +)" ]]; then
  echo "take-pins: pull request #${pr} renames, adds or removes pins in docs/book.yaml" >&2
  exit 2
fi
git show "pr/${pr}:docs/book.yaml" > docs/book.yaml
echo "Pins of pull request #${pr}:"
git diff -U0 -- docs/book.yaml | grep -E '^[-+]  ' || true
