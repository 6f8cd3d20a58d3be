#!/usr/bin/env bash
# Side by side: dpg-audit, the same audit hand-written in DuckDB SQL, and a bare decode of the same
# columns (the floor), on a dirty and a clean generated manifest. Writes BENCHMARKS.md.
#
#   bench/compare.sh [--rows N] [--reps K] [--threads T] [--rows-rss N | --no-rss] [--work DIR]
#                    [--regen] [--out FILE]
#
#   --rows N       rows per manifest (default 10000000)
#   --reps K       timed repetitions of each job, alternating (default 3); medians are reported
#   --threads T    threads for every job (default 2); dpg-audit also runs with --threads 1
#   --rows-rss N   rows of the extra manifest for the memory run, dpg-audit only (default 50000000)
#   --no-rss       skip that run (generating 50M rows takes a while and ~2.5 GB of disk)
#   --work DIR     manifests, lookup tables, findings, timings (default bench/work, gitignored)
#   --regen        write the manifests again even if they exist
#   --out FILE     the report (default BENCHMARKS.md at the repository root)
#
# Prerequisites: the README's set-up (Rust toolchain), python3 with venv, and GNU time at
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
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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

mkdir -p "$WORK/out"
RESULTS=$WORK/out/results.tsv
COMMANDS=$WORK/out/commands.txt
printf 'manifest\tjob\trep\twall\tuser\tsys\tmaxrss_kb\trows\tbusy_s\n' >"$RESULTS"
: >"$COMMANDS"

# A manifest in its own folder, so each gets its own dpg-audit.toml (or none).
# The clean collection declares its home URL and the one mirror its stray rows use.
# `uuid` is the dirty profile with random UUIDs for ids (no id order to exploit).
generate() { # name rows dir
  local name=$1 rows=$2 dir=$3 profile=$1 ids=sequential
  if [ "$name" = uuid ]; then profile=dirty ids=uuid; fi
  mkdir -p "$dir"
  if [ "$REGEN" = 1 ] || [ ! -s "$dir/items.parquet" ]; then
    echo "== generating $dir/items.parquet ($rows rows, $profile, $ids ids)"
    "$GEN" --rows "$rows" --profile "$profile" --ids "$ids" --out "$dir/items.parquet"
  fi
  echo "$GEN --rows $rows --profile $profile --ids $ids --out $dir/items.parquet" >>"$COMMANDS"
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
  local busy0 busy1
  busy0=$(cpu_busy)
  "$TIME" -o "$tf" -f '%e %U %S %M' "$@" >"$log.stdout" 2>"$log.stderr" || {
    local rc=$?
    # dpg-audit exits 1 for a collection that is not eligible: a result, not a failure.
    if ! { [ "$job" = dpg-audit ] || [ "$job" = dpg-audit-t1 ] || [ "$job" = dpg-audit-rss ]; } || [ $rc -ne 1 ]; then
      echo "compare.sh: $job on $name failed (exit $rc); see $log.stderr" >&2
      exit 1
    fi
  }
  busy1=$(cpu_busy)
  read -r wall user sys rss < <(tail -n 1 "$tf")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$job" "$rep" "$wall" "$user" "$sys" "$rss" "$rows" \
    "$(awk "BEGIN { print ($busy1 - $busy0) / $TCK }")" >>"$RESULTS"
  printf '   %-10s %-13s rep %s: %6.2f s wall, %6.2f s CPU, %5d MB\n' "$name" "$job" "$rep" "$wall" \
    "$(awk "BEGIN { print $user + $sys }")" "$((rss / 1024))"
  if [ "$rep" = 1 ]; then echo "$*" >>"$COMMANDS"; fi
}

for profile in dirty clean uuid; do
  dir=$WORK/$profile-$ROWS
  generate "$profile" "$ROWS" "$dir"
  m=$dir/items.parquet
  echo "== $m: building the DuckDB license lookup (untimed)"
  "$PY" bench/duckdb_audit.py prepare "$m" --dpg-audit "$BIN" --lookup "$dir/lookup.parquet"
  echo "$PY bench/duckdb_audit.py prepare $m --dpg-audit $BIN --lookup $dir/lookup.parquet" >>"$COMMANDS"
  duck_extra=()
  if [ "$profile" = clean ]; then
    duck_extra=(--home https://data.example.org/items/ --mirror https://mirror.example.net/items/)
  fi
  rm -f "$dir"/findings-*.parquet
  cat "$m" >/dev/null # page cache warm for every job alike
  for rep in $(seq 1 "$REPS"); do
    # Rotate the order each repetition so no job always runs first (or after the same one).
    jobs=(dpg-audit duckdb floor dpg-audit-t1)
    k=$(((rep - 1) % 4))
    for job in "${jobs[@]:$k}" "${jobs[@]:0:$k}"; do
      case $job in
        dpg-audit) timed "$profile" "$job" "$rep" "$ROWS" -- "$BIN" audit --quiet --threads "$THREADS" \
          --format json --findings "$dir/findings-dpg-audit.parquet" "$m" ;;
        dpg-audit-t1) timed "$profile" "$job" "$rep" "$ROWS" -- "$BIN" audit --quiet --threads 1 \
          --format json --findings "$dir/findings-dpg-audit-t1.parquet" "$m" ;;
        duckdb) timed "$profile" "$job" "$rep" "$ROWS" -- "$PY" bench/duckdb_audit.py run "$m" \
          --lookup "$dir/lookup.parquet" --findings "$dir/findings-duckdb.parquet" --threads "$THREADS" \
          "${duck_extra[@]}" ;;
        floor) timed "$profile" "$job" "$rep" "$ROWS" -- "$FLOOR" --threads "$THREADS" "$m" ;;
      esac
    done
  done
  cp "$WORK/out/$profile-dpg-audit.log.stdout" "$WORK/out/$profile-dpg-audit.json"
  cp "$WORK/out/$profile-duckdb.log.stdout" "$WORK/out/$profile-duckdb.json"
done

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
