#!/usr/bin/env bash
# Side by side: dpg-audit, the same audit hand-written in DuckDB SQL, and a floor (a bare decode of
# the same Parquet columns; for text, a parallel newline count and `wc -l`), on generated
# manifests. Writes BENCHMARKS.md.
#
#   bench/compare.sh [--rows N] [--reps K] [--threads T] [--rows-rss N | --no-rss] [--work DIR]
#                    [--regen] [--out FILE] [--quick] [--no-text] [--drop-text]
#
#   --rows N       rows per manifest (default 10000000)
#   --reps K       timed repetitions of each job, alternating (default 3); medians are reported
#   --threads T    threads for every job (default 2); dpg-audit also runs with --threads 1
#   --rows-rss N   rows of the extra manifest for the memory run, dpg-audit only (default 50000000)
#   --no-rss       skip that run (generating 50M rows takes a while and ~2.5 GB of disk)
#   --work DIR     manifests, lookup tables, findings, timings (default bench/work, gitignored)
#   --regen        write the manifests again even if they exist
#   --out FILE     the report (default BENCHMARKS.md at the repository root)
#   --quick        a smoke run: 1,000,000 rows, 1 repetition, no memory run
#   --no-text      only the Parquet manifests (no CSV, NDJSON, gzipped CSV)
#   --drop-text    delete the text manifests once their jobs ran (10M rows of text: ~3 GB)
#
# Manifests: `dirty`, `clean`, `uuid` (Parquet) and `half` (issue #21: about half the rows with
# a finding, ~1,000 license spellings, hosts mixed row by row) as Parquet, CSV, NDJSON and gzipped
# CSV. The peer reads each with DuckDB's own reader (read_parquet, read_csv, read_json).
#
# Prerequisites: the README's set-up (Rust toolchain), python3 with venv, gzip, and GNU time at
# /usr/bin/time (Debian/Ubuntu: `sudo apt-get install time`). DuckDB and pyarrow are installed with
# pip into bench/.venv on the first run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

ROWS=10000000
REPS=3
THREADS=2
ROWS_RSS=50000000
WORK=bench/work
REGEN=0
OUT=BENCHMARKS.md
TEXT=1
DROP_TEXT=0
ARGS="$*"
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) ROWS=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --rows-rss) ROWS_RSS=$2; shift 2 ;;
    --no-rss) ROWS_RSS=0; shift ;;
    --work) WORK=$2; shift 2 ;;
    --regen) REGEN=1; shift ;;
    --out) OUT=$2; shift 2 ;;
    --quick) ROWS=1000000; REPS=1; ROWS_RSS=0; shift ;;
    --no-text) TEXT=0; shift ;;
    --drop-text) DROP_TEXT=1; shift ;;
    -h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

TIME=/usr/bin/time
if ! "$TIME" -f '%e' true >/dev/null 2>&1; then
  echo "compare.sh: GNU time is needed at /usr/bin/time; on Debian/Ubuntu: sudo apt-get install time" >&2
  exit 2
fi

# DuckDB and pyarrow in a private venv.
PY=bench/.venv/bin/python
if ! "$PY" -c 'import duckdb, pyarrow' >/dev/null 2>&1; then
  echo "== setting up bench/.venv (pip install duckdb pyarrow)"
  python3 -m venv bench/.venv
  "$PY" -m pip install --quiet --upgrade pip
  "$PY" -m pip install --quiet duckdb pyarrow
fi

echo "== cargo build --release (binary and examples)"
cargo build --release --quiet
cargo build --release --quiet --examples
BIN=target/release/dpg-audit
GEN=target/release/examples/gen_manifest
FLOOR=target/release/examples/decode_floor
LINES=target/release/examples/line_floor

mkdir -p "$WORK/out"
RESULTS=$WORK/out/results.tsv
FAILED=$WORK/out/failed.tsv
COMMANDS=$WORK/out/commands.txt
printf 'manifest\tjob\trep\twall\tuser\tsys\tmaxrss_kb\trows\tbusy_s\n' >"$RESULTS"
printf 'manifest\tjob\texit\tstderr\n' >"$FAILED"
SIZES=$WORK/out/sizes.tsv
printf 'manifest\tbytes\n' >"$SIZES"
: >"$COMMANDS"

# A manifest in its own folder, so each gets its own dpg-audit.toml (or none).
# The clean collection declares its home URL and the one mirror its stray rows use.
# `uuid` is the dirty profile with random UUIDs for ids (no id order to exploit).
# FILE's extension picks the format; `.gz` is the plain twin compressed by gzip (level 6, the
# default of most exports).
generate() { # name rows dir [file]
  local name=$1 rows=$2 dir=$3 file=${4:-items.parquet} profile=$1 ids=sequential
  if [ "$name" = uuid ]; then profile=dirty ids=uuid; fi
  mkdir -p "$dir"
  local plain=${file%.gz}
  if [ "$REGEN" = 1 ] || [ ! -s "$dir/$file" ]; then
    echo "== generating $dir/$file ($rows rows, $profile, $ids ids)"
    if [ "$plain" != "$file" ]; then
      if [ ! -s "$dir/$plain" ]; then
        "$GEN" --rows "$rows" --profile "$profile" --ids "$ids" --out "$dir/$plain"
      fi
      gzip -c "$dir/$plain" >"$dir/$file.tmp"
      mv "$dir/$file.tmp" "$dir/$file"
    else
      "$GEN" --rows "$rows" --profile "$profile" --ids "$ids" --out "$dir/$file"
    fi
  fi
  if [ "$plain" != "$file" ]; then
    echo "gzip -c $dir/$plain >$dir/$file" >>"$COMMANDS"
  else
    echo "$GEN --rows $rows --profile $profile --ids $ids --out $dir/$file" >>"$COMMANDS"
  fi
  rm -f "$dir/dpg-audit.toml"
  if [ "$profile" = clean ]; then
    cat >"$dir/dpg-audit.toml" <<'EOF'
name = "bench: clean generated manifest"
type = "data"
home_url = "https://data.example.org/items/"
mirrors = ["https://mirror.example.net/items/"]
EOF
  fi
}

TCK=$(getconf CLK_TCK)
# Busy CPU ticks of the whole machine so far: user + nice + system + irq + softirq + steal.
cpu_busy() {
  local _cpu user nice system idle iowait irq softirq steal _rest
  read -r _cpu user nice system idle iowait irq softirq steal _rest </proc/stat
  echo $((user + nice + system + irq + softirq + steal))
}

# timed NAME JOB REP ROWS -- command...: one run under GNU time, appended to the results.
timed() {
  local name=$1 job=$2 rep=$3 rows=$4; shift 5
  local tf=$WORK/out/time.txt
  local log=$WORK/out/$name-$job.log
  # CPU time the whole machine spent during the run (from /proc/stat): what is not ours was
  # other work competing with the job, the noise in these figures.
  local busy0 busy1 rc=0
  busy0=$(cpu_busy)
  "$TIME" -o "$tf" -f '%e %U %S %M' "$@" >"$log.stdout" 2>"$log.stderr" || rc=$?
  # dpg-audit exits 1 for a collection that is not eligible: a result, not a failure. Any other
  # failure is recorded (the report lists it) and not timed; the other jobs still run.
  if [ $rc -ne 0 ] && ! { [ "${job#dpg-audit}" != "$job" ] && [ $rc -eq 1 ]; }; then
    echo "compare.sh: $job on $name failed (exit $rc); see $log.stderr" >&2
    printf '%s\t%s\t%s\t%s\n' "$name" "$job" "$rc" "$(grep -v '^Command exited' "$log.stderr" | head -c 300 | tr '\t\n' '  ')" >>"$FAILED"
    return 0
  fi
  busy1=$(cpu_busy)
  read -r wall user sys rss < <(tail -n 1 "$tf")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$job" "$rep" "$wall" "$user" "$sys" "$rss" "$rows" \
    "$(awk "BEGIN { print ($busy1 - $busy0) / $TCK }")" >>"$RESULTS"
  printf '   %-12s %-16s rep %s: %6.2f s wall, %6.2f s CPU, %5d MB\n' "$name" "$job" "$rep" "$wall" \
    "$(awk "BEGIN { print $user + $sys }")" "$((rss / 1024))"
  if [ "$rep" = 1 ]; then echo "$*" >>"$COMMANDS"; fi
}

# The license lookup of DuckDB's job, from a folder's Parquet manifest (its text twins hold the
# same rows, so they share it).
prepare_lookup() { # dir
  echo "== $1/items.parquet: building the DuckDB license lookup (untimed)"
  "$PY" bench/duckdb_audit.py prepare "$1/items.parquet" --dpg-audit "$BIN" --lookup "$1/lookup.parquet"
  echo "$PY bench/duckdb_audit.py prepare $1/items.parquet --dpg-audit $BIN --lookup $1/lookup.parquet" >>"$COMMANDS"
}

# bench NAME DIR FILE KIND: every job on one manifest, REPS times, rotating their order.
# KIND: parquet (the decode floor), text (the line floor and `wc -l`) or gz (`gzip -dc | wc -l`).
bench() {
  local name=$1 dir=$2 file=$3 kind=$4
  local m=$dir/$file duck_extra=() jobs=()
  if [ "$name" = clean ]; then
    duck_extra=(--home https://data.example.org/items/ --mirror https://mirror.example.net/items/)
  fi
  case $kind in
    parquet)
      jobs=(dpg-audit duckdb floor dpg-audit-t1)
      # What the findings file itself costs: the half manifest also without one.
      if [ "$name" = half ]; then jobs+=(dpg-audit-nofind); fi
      ;;
    text) jobs=(dpg-audit duckdb floor-lines wc-l dpg-audit-t1) ;;
    gz) jobs=(dpg-audit duckdb floor-zcat dpg-audit-t1) ;;
  esac
  rm -f "$dir"/findings-"$name"-*.parquet
  printf '%s\t%s\n' "$name" "$(stat -c %s "$m")" >>"$SIZES"
  cat "$m" >/dev/null # page cache warm for every job alike
  local rep job k n=${#jobs[@]}
  for rep in $(seq 1 "$REPS"); do
    # Rotate the order each repetition so no job always runs first (or after the same one).
    k=$(((rep - 1) % n))
    for job in "${jobs[@]:$k}" "${jobs[@]:0:$k}"; do
      case $job in
        dpg-audit) timed "$name" "$job" "$rep" "$ROWS" -- "$BIN" audit --quiet --threads "$THREADS" \
          --format json --findings "$dir/findings-$name-dpg-audit.parquet" "$m" ;;
        dpg-audit-t1) timed "$name" "$job" "$rep" "$ROWS" -- "$BIN" audit --quiet --threads 1 \
          --format json --findings "$dir/findings-$name-dpg-audit-t1.parquet" "$m" ;;
        dpg-audit-nofind) timed "$name" "$job" "$rep" "$ROWS" -- "$BIN" audit --quiet \
          --threads "$THREADS" --format json "$m" ;;
        duckdb) timed "$name" "$job" "$rep" "$ROWS" -- "$PY" bench/duckdb_audit.py run "$m" \
          --lookup "$dir/lookup.parquet" --findings "$dir/findings-$name-duckdb.parquet" \
          --threads "$THREADS" "${duck_extra[@]}" ;;
        floor) timed "$name" "$job" "$rep" "$ROWS" -- "$FLOOR" --threads "$THREADS" "$m" ;;
        floor-lines) timed "$name" "$job" "$rep" "$ROWS" -- "$LINES" --threads "$THREADS" "$m" ;;
        wc-l) timed "$name" "$job" "$rep" "$ROWS" -- wc -l "$m" ;;
        floor-zcat) timed "$name" "$job" "$rep" "$ROWS" -- sh -c 'gzip -dc "$1" | wc -l' sh "$m" ;;
      esac
    done
  done
  for job in dpg-audit duckdb; do
    if [ -s "$WORK/out/$name-$job.log.stdout" ]; then
      cp "$WORK/out/$name-$job.log.stdout" "$WORK/out/$name-$job.json"
    fi
  done
}

for profile in dirty clean uuid half; do
  dir=$WORK/$profile-$ROWS
  generate "$profile" "$ROWS" "$dir"
  prepare_lookup "$dir"
  bench "$profile" "$dir" items.parquet parquet
done

if [ "$TEXT" = 1 ]; then
  dir=$WORK/half-$ROWS
  for spec in csv:items.csv:text ndjson:items.ndjson:text csvgz:items.csv.gz:gz; do
    IFS=: read -r suffix file kind <<<"$spec"
    generate half "$ROWS" "$dir" "$file"
    bench "half-$suffix" "$dir" "$file" "$kind"
    # The CSV stays until its gzipped twin is made from it.
    if [ "$DROP_TEXT" = 1 ] && [ "$suffix" = ndjson ]; then rm -f "$dir/$file"; fi
  done
  if [ "$DROP_TEXT" = 1 ]; then rm -f "$dir/items.csv" "$dir/items.csv.gz"; fi
fi

if [ "$ROWS_RSS" -gt 0 ]; then
  # UUID ids: the duplicate check spills every id, the case where memory could grow.
  dir=$WORK/uuid-$ROWS_RSS
  generate uuid "$ROWS_RSS" "$dir"
  rm -f "$dir"/findings-*.parquet
  cat "$dir/items.parquet" >/dev/null
  echo "== memory at $ROWS_RSS rows (dpg-audit only)"
  timed uuid-rss dpg-audit-rss 1 "$ROWS_RSS" -- "$BIN" audit --quiet --threads "$THREADS" --format json \
    --findings "$dir/findings-dpg-audit.parquet" "$dir/items.parquet"
fi

"$PY" bench/report.py --work "$WORK" --rows "$ROWS" --rows-rss "$ROWS_RSS" --threads "$THREADS" \
  --reps "$REPS" --args "$ARGS" --out "$OUT"
