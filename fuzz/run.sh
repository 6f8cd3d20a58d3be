#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 30), seeded from sample-data/ and
# tests/fixtures/ (the files whose extension the target reads). Needs a nightly toolchain and
# cargo-fuzz; says so and exits 0 when either is missing, so CI without them still passes.
# A crash stops the run with exit 1 and leaves the input in fuzz/artifacts/TARGET/.
#
#   fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-30}"
shift || true
# Stopped from outside (CI's time cap sends TERM): stop cargo too, not only this script.
trap 'pkill -TERM -P $$ 2>/dev/null; exit 124' TERM INT

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "fuzz: no nightly toolchain (rustup toolchain install nightly); fuzzing skipped"
  exit 0
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz: cargo-fuzz is not installed (cargo install cargo-fuzz); fuzzing skipped"
  exit 0
fi

# target -> extensions of its seed files
declare -A seeds=(
  [normalize]="txt" [access]="txt"
  [manifest_csv]="csv tsv" [manifest_ndjson]="ndjson jsonl" [manifest_json]="json"
  [manifest_parquet]="parquet" [manifest_ipc]="arrow feather ipc"
  [portal_ckan]="json jsonl" [portal_dcat]="ttl nt" [portal_dcat_rdfxml]="rdf xml"
  [portal_dcat_jsonld]="jsonld" [portal_frictionless]="json" [portal_croissant]="json"
  [portal_hf_card]="md" [portal_datacite]="xml json" [portal_zenodo]="json"
)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(normalize access manifest_csv manifest_ndjson manifest_json manifest_parquet manifest_ipc
    portal_ckan portal_dcat portal_dcat_rdfxml portal_dcat_jsonld portal_frictionless
    portal_croissant portal_hf_card portal_datacite portal_zenodo)
fi

cargo +nightly fuzz build -O "${targets[@]/#/}" >/dev/null 2>&1 || cargo +nightly fuzz build -O
for t in "${targets[@]}"; do
  corpus="corpus/$t"
  mkdir -p "$corpus"
  seed_dir="$(mktemp -d)"
  for ext in ${seeds[$t]}; do
    # Seeds under 1 MB: large files slow every iteration down.
    find ../sample-data ../tests/fixtures -type f -name "*.$ext" -size -1024k -exec cp -t "$seed_dir" {} + 2>/dev/null || true
  done
  if [ "$t" = normalize ] || [ "$t" = access ]; then
    # One statement per seed: access statements from the evaluation sets, license names and
    # spellings from the rule data.
    if [ "$t" = access ]; then src=(../tests/fixtures/access/*.tsv); else src=(../rules/normalize/*.tsv ../rules/licenses/*.tsv); fi
    n=0
    while IFS= read -r line; do
      printf '%s' "$line" > "$seed_dir/s$n"; n=$((n + 1))
    done < <(cat "${src[@]}" 2>/dev/null | cut -f1 | grep -v '^#' | head -1000)
  fi
  echo "== fuzz $t for ${seconds}s ($(ls "$seed_dir" | wc -l) seeds)"
  cargo +nightly fuzz run -O "$t" "$corpus" "$seed_dir" -- \
    -max_total_time="$seconds" -rss_limit_mb=1536 -timeout=10 -max_len=262144 2>&1 \
    | grep -E "^#[0-9]+.*DONE|Done [0-9]+ runs|ERROR|SUMMARY|panicked" || true
  rm -rf "$seed_dir"
  if ls "artifacts/$t"/crash-* "artifacts/$t"/timeout-* "artifacts/$t"/oom-* >/dev/null 2>&1; then
    echo "fuzz: $t found a failure: $(ls artifacts/"$t"/)"
    exit 1
  fi
done
