#!/usr/bin/env bash
# Audits every bundled sample: each folder under sample-data/ is given to `dpg-audit audit` as it
# is (an item manifest folder is one collection; a portal dump is audited as a batch, and the exit
# code is the batch's) and its report printed. Exit status: 0 when every sample concluded what its
# README says. Extra arguments go to every `dpg-audit audit` call.
set -uo pipefail
cd "$(dirname "$0")/.."
# The first release build takes minutes: say so, and let cargo show its progress.
if [ ! -x target/release/dpg-audit ]; then
  echo "== building the release binary (the first build takes several minutes)" >&2
fi
cargo build --release || exit 2
status=0
for dir in sample-data/*/; do
  dir=${dir%/}
  expected=$(grep -o -i 'verdict `[a-z]*`' "$dir/README.md" | head -n 1 | sed 's/.*`\([a-z]*\)`/\1/')
  echo "=== dpg-audit audit $dir (expected: ${expected:-?})"
  target/release/dpg-audit audit --quiet "$dir" "$@"
  code=$?
  actual=$([ $code -eq 0 ] && echo pass || ([ $code -eq 1 ] && echo fail || echo error))
  if [ -n "$expected" ] && [ "$expected" != "$actual" ] && ! { [ "$expected" = review ] && [ "$actual" = pass ]; }; then
    echo "!!! $dir concluded $actual, its README says $expected"
    status=1
  fi
  echo
done
exit $status
