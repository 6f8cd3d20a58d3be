#!/usr/bin/env bash
# Audits every bundled sample (each folder under sample-data/ is one collection, or one portal
# dump audited as a batch) and prints each report. Exit status: 0 when every sample concluded
# what its README says.
set -uo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet || exit 2
status=0
for dir in sample-data/*/; do
  dir=${dir%/}
  if [ -f "$dir/items.parquet" ]; then
    input="$dir/items.parquet"
  elif [ -n "$(find "$dir" -maxdepth 1 \( -name '*.json' -o -name '*.jsonl' -o -name '*.jsonld' -o -name '*.ttl' -o -name '*.rdf' \) -print -quit)" ]; then
    input="$dir"   # portal metadata: a batch, one verdict per dataset; the exit code is the batch's
  else
    continue
  fi
  expected=$(grep -o -i 'verdict `[a-z]*`' "$dir/README.md" | head -n 1 | sed 's/.*`\([a-z]*\)`/\1/')
  echo "=== $dir (expected: ${expected:-?})"
  target/release/dpg-audit audit --quiet "$input" "$@"
  code=$?
  actual=$([ $code -eq 0 ] && echo pass || ([ $code -eq 1 ] && echo fail || echo error))
  if [ -n "$expected" ] && [ "$expected" != "$actual" ] && ! { [ "$expected" = review ] && [ "$actual" = pass ]; }; then
    echo "!!! $dir concluded $actual, its README says $expected"
    status=1
  fi
  echo
done
exit $status
