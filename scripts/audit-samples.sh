#!/usr/bin/env bash
# Audits every bundled sample collection (each folder under sample-data/ is one collection) and
# prints each report. Exit status: 0 when every sample concluded what its README says.
set -uo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet || exit 2
status=0
for dir in sample-data/*/; do
  [ -f "${dir%/}/items.parquet" ] || continue
  expected=$(grep -o -i 'verdict `[a-z]*`' "$dir/README.md" | head -n 1 | sed 's/.*`\([a-z]*\)`/\1/')
  echo "=== ${dir%/} (expected: ${expected:-?})"
  target/release/dpg-audit audit --quiet "${dir%/}/items.parquet" "$@"
  code=$?
  actual=$([ $code -eq 0 ] && echo pass || ([ $code -eq 1 ] && echo fail || echo error))
  if [ -n "$expected" ] && [ "$expected" != "$actual" ] && ! { [ "$expected" = review ] && [ "$actual" = pass ]; }; then
    echo "!!! ${dir%/} concluded $actual, its README says $expected"
    status=1
  fi
  echo
done
exit $status
