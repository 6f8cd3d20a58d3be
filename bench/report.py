#!/usr/bin/env python3
"""Turns bench/compare.sh's timings (WORK/out/results.tsv) into the table it prints and
BENCHMARKS.md: medians per job, the ratios against the targets of issues #6 and #21, the per-rule
finding counts of dpg-audit and DuckDB side by side, jobs that failed, the machine, and the exact
commands."""

import argparse
import csv
import datetime
import json
import os
import platform
import statistics
import subprocess
from collections import defaultdict

import duckdb
import pyarrow
import pyarrow.parquet as pq

JOBS = [
    ("dpg-audit", "dpg-audit audit --threads {t} --findings"),
    ("dpg-audit-nofind", "dpg-audit audit --threads {t}, no findings file"),
    ("duckdb", "DuckDB SQL, SET threads={t}"),
    ("floor", "bare decode (examples/decode_floor)"),
    ("floor-lines", "newline count, {t} threads (examples/line_floor)"),
    ("wc-l", "wc -l"),
    ("floor-zcat", "gzip -dc | wc -l"),
    ("dpg-audit-t1", "dpg-audit audit --threads 1 --findings"),
]
# The floor each manifest is measured against.
FLOOR_JOB = {"half-csv": "floor-lines", "half-ndjson": "floor-lines", "half-csvgz": "floor-zcat"}


def sh(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def machine(results):
    model = "?"
    for line in sh("lscpu").splitlines():
        if line.startswith("Model name:"):
            model = line.split(":", 1)[1].strip()
    ram = "?"
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            ram = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    osname = platform.platform()
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    osname = line.split("=", 1)[1].strip().strip('"') + f" (Linux {platform.release()})"
    except OSError:
        pass
    return {
        "CPU": f"{model}, {os.cpu_count()} logical CPUs ({sh('nproc')} available)",
        "RAM": ram,
        "OS": osname,
        "rustc": sh("rustc", "--version"),
        "DuckDB": f"{duckdb.__version__} (Python {platform.python_version()}, pyarrow {pyarrow.__version__})",
        "date of the runs": datetime.datetime.fromtimestamp(os.path.getmtime(results), datetime.timezone.utc)
        .strftime("%Y-%m-%d %H:%M UTC"),
    }


def load(work):
    runs = defaultdict(list)
    with open(os.path.join(work, "out", "results.tsv")) as f:
        for r in csv.DictReader(f, delimiter="\t"):
            runs[(r["manifest"], r["job"])].append(r)
    med = {}
    for key, rs in runs.items():
        wall = statistics.median(float(r["wall"]) for r in rs)
        cpu = statistics.median(float(r["user"]) + float(r["sys"]) for r in rs)
        rss = statistics.median(int(r["maxrss_kb"]) for r in rs) / 1024
        rows = int(rs[0]["rows"])
        # CPU seconds other processes used during each run: the machine's busy time minus ours.
        others = [max(0.0, float(r["busy_s"]) - float(r["user"]) - float(r["sys"])) for r in rs if r.get("busy_s")]
        med[key] = {"wall": wall, "cpu": cpu, "rss": rss, "rows": rows, "n": len(rs),
                    "walls": [float(r["wall"]) for r in rs], "others": others}
    return med


MANIFESTS = ("dirty", "clean", "uuid", "half", "half-csv", "half-ndjson", "half-csvgz")
TITLES = {
    "half": "half (Parquet)",
    "half-csv": "half as CSV",
    "half-ndjson": "half as NDJSON",
    "half-csvgz": "half as gzipped CSV",
}
TEXT = ("half-csv", "half-ndjson", "half-csvgz")


def load_sizes(work):
    sizes = {}
    try:
        with open(os.path.join(work, "out", "sizes.tsv")) as f:
            for r in csv.DictReader(f, delimiter="\t"):
                sizes[r["manifest"]] = int(r["bytes"])
    except (OSError, ValueError, KeyError):
        pass
    return sizes


def load_failed(work):
    try:
        with open(os.path.join(work, "out", "failed.tsv")) as f:
            return list(csv.DictReader(f, delimiter="\t"))
    except OSError:
        return []


def fmt_rate(x):
    return f"{x / 1e6:.2f} M" if x >= 1e6 else f"{x / 1e3:.0f} k"


def table(med, manifest, threads, size=None):
    lines = ["| job | wall s (median) | all walls | CPU s | peak RSS MB | rows/s | MB/s | others' CPU s |",
             "|---|---:|---|---:|---:|---:|---:|---|"]
    for job, label in JOBS:
        m = med.get((manifest, job))
        if not m:
            continue
        label = label.format(t=threads)
        walls = " ".join(f"{w:.2f}" for w in m["walls"])
        others = " ".join(f"{x:.1f}" for x in m["others"]) or "-"
        mbs = f"{size / 1e6 / m['wall']:.0f}" if size else "-"
        lines.append(
            f"| {label} | {m['wall']:.2f} | {walls} | {m['cpu']:.2f} | {m['rss']:.0f} | "
            f"{fmt_rate(m['rows'] / m['wall'])} | {mbs} | {others} |"
        )
    return lines


def ratios(med, threads, rows, rows_rss, sizes):
    """(issue, measure, value, target, verdict) rows: issue #6's targets for the Parquet
    manifests, issue #21's for findings-heavy Parquet, unordered ids and text."""
    out = []

    def row(issue, what, target, ok, shown):
        out.append((issue, what, shown, target, "met" if ok else "**not met**"))

    for manifest in ("dirty", "clean", "uuid", "half"):
        d, k, f, t1 = (med.get((manifest, j)) for j in ("dpg-audit", "duckdb", "floor", "dpg-audit-t1"))
        if d and k:
            r = d["wall"] / k["wall"]
            row("#6", f"{manifest}: dpg-audit / DuckDB wall", "<= 0.5", r <= 0.5, f"{r:.3f}")
        if d and f:
            r = d["wall"] / f["wall"]
            if manifest == "half":
                row("#21", "half: dpg-audit, every finding written / decode floor wall", "<= 2.0", r <= 2.0,
                    f"{r:.3f}")
            elif manifest == "uuid":
                row("#21", "uuid: dpg-audit / decode floor wall", "<= 1.6", r <= 1.6, f"{r:.3f}")
            else:
                row("#6", f"{manifest}: dpg-audit / decode floor wall", "<= 1.5", r <= 1.5, f"{r:.3f}")
        if d:
            row("#21", f"{manifest}: dpg-audit peak RSS at {rows:,} rows", "< 150 MB", d["rss"] < 150,
                f"{d['rss']:.0f} MB")
        if d and t1:
            s = t1["wall"] / d["wall"]
            row("#6", f"{manifest}: speedup --threads {threads} over --threads 1", ">= 1.7", s >= 1.7, f"{s:.3f}x")
    nofind, f = med.get(("half", "dpg-audit-nofind")), med.get(("half", "floor"))
    if nofind and f:
        r = nofind["wall"] / f["wall"]
        out.append(("#21", "half: dpg-audit, no findings file / decode floor wall", f"{r:.3f}", "(shown)", ""))
    for manifest in TEXT:
        d, k, t1 = (med.get((manifest, j)) for j in ("dpg-audit", "duckdb", "dpg-audit-t1"))
        size = sizes.get(manifest)
        if d and size and manifest != "half-csvgz":
            mbs = size / 1e6 / d["wall"]
            row("#21", f"{manifest}: dpg-audit MB/s on {threads} threads", ">= 600", mbs >= 600, f"{mbs:.0f}")
        if d and k:
            r = d["wall"] / k["wall"]
            row("#21", f"{manifest}: dpg-audit / DuckDB wall", "<= 0.2", r <= 0.2, f"{r:.3f}")
        if d and t1:
            s = t1["wall"] / d["wall"]
            row("#21", f"{manifest}: speedup --threads {threads} over --threads 1", ">= 1.8", s >= 1.8, f"{s:.3f}x")
        if d:
            row("#21", f"{manifest}: dpg-audit peak RSS", "< 150 MB", d["rss"] < 150, f"{d['rss']:.0f} MB")
    r = med.get(("uuid-rss", "dpg-audit-rss"))
    if r:
        row("#21", f"uuid: dpg-audit peak RSS at {rows_rss:,} rows", "< 150 MB", r["rss"] < 150,
            f"{r['rss']:.0f} MB ({r['wall']:.1f} s wall)")
    return out


def findings_rows(path):
    if not os.path.exists(path):
        return None
    try:
        return pq.ParquetFile(path).metadata.num_rows
    except Exception as e:  # a half-written or foreign file: say so in the report
        return f"unreadable ({e})"


def rule_counts(work, rows):
    lines = []
    for manifest in MANIFESTS:
        base = os.path.join(work, "out", manifest)
        try:
            with open(base + "-dpg-audit.json") as f:
                ours = json.load(f)["summary"]["by_rule"]
            with open(base + "-duckdb.json") as f:
                theirs_summary = json.load(f)
                theirs = theirs_summary["by_rule"]
        except (OSError, ValueError, KeyError) as e:
            lines.append(f"({manifest}: no per-rule counts: {e})")
            continue
        d = os.path.join(work, f"{manifest.split('-')[0]}-{rows}")
        ours_file = findings_rows(os.path.join(d, f"findings-{manifest}-dpg-audit.parquet"))
        theirs_file = findings_rows(os.path.join(d, f"findings-{manifest}-duckdb.parquet"))
        lines += [f"**{TITLES.get(manifest, manifest)}**", "", "| rule | dpg-audit | DuckDB |", "|---|---:|---:|"]
        for rule in sorted(set(ours) | set(theirs)):
            a, b = ours.get(rule, 0), theirs.get(rule, 0)
            mark = "" if a == b else " (differs)"
            lines.append(f"| {rule}{mark} | {a:,} | {b:,} |")
        show = lambda v: "not written" if v is None else (f"{v:,}" if isinstance(v, int) else v)
        if not ours and not theirs:
            lines.append("| (no findings) | 0 | 0 |")
        if manifest == "clean" and ours:
            warn = "WARNING: the clean manifest has findings; examples/gen_manifest.rs should make none"
            print(warn)
            lines.append(f"| {warn} | | |")
        lines.append(f"| rows in the findings Parquet file | {show(ours_file)} | {show(theirs_file)} |")
        lines.append("")
        if "query_seconds" in theirs_summary:
            lines += [f"DuckDB's own clock for the job (lookup load, COPY, tallies; last repetition; without Python start and "
                      f"import): {theirs_summary['query_seconds']:.2f} s.", ""]
    return lines


NOTES = """\
## What each job does

* **dpg-audit**: `dpg-audit audit --threads T --format json --findings F.parquet` with every rule
  on: license normalization (once per distinct string), approval for DPG type `data`, license URL
  and deprecated ids, access URL checks, the access vocabulary, duplicate ids, hosts and
  licenses tallied for the collection rules, the JSON report on stdout and every per-item finding
  streamed to `F.parquet`.
  Duplicate ids: a batch whose ids are strictly increasing (shortlex, so `item-9` < `item-10`)
  is summed up by its first and last id; when all batches are increasing and chain up, no id can
  repeat and nothing else is done. Otherwise every id is hashed and buffered (bytes plus a 24-byte
  record), spilled to temp files in 256 hash partitions, and at the end each partition's records
  are sorted by hash; only ids that share a hash are read back and compared byte by byte. A
  collection partly in order is read a second time for the ids of its ordered batches.
* **DuckDB** (`bench/duckdb_audit.py run`): `SET threads=T`, then one `COPY (...) TO F.parquet
  (FORMAT PARQUET)`: a LEFT JOIN of `lower(trim(license))` to a license lookup table,
  `regexp_extract(url, '^https?://([^/:?#]+)', 1)` for the host (missing, not http(s), local or
  private hosts are findings), `lower(trim(access))` against IN-lists of permitted and
  discriminatory terms (anything else is `access-unrecognized`), `GROUP BY id HAVING count(*) > 1`
  for duplicate ids (about a third of DuckDB's time and half its memory: `duckdb_audit.py run
  --no-duplicates` leaves it out, to see), and every finding of every failing row unnested into (rule, severity, item,
  manifest, row, value, message). A second statement tallies hosts and SPDX ids in one scan
  (`GROUPING SETS`) for the collection rules. Timed as a whole process, like dpg-audit: Python
  start and `import duckdb` (about 0.2 s) are included.
  The lookup table is built before timing (`prepare`): the manifest's distinct license strings,
  keyed by `lower(trim())`, with the SPDX id from `dpg-audit normalize` and the license findings
  dpg-audit gives each string for a data collection. It is the table a careful analyst would
  write by hand; building it from dpg-audit makes both jobs judge licenses identically, so the
  comparison measures the engines, not two license policies.
* **floor** (`examples/decode_floor.rs`): the same Parquet crates, the same columns
  (`id, license, url, access`; license and access as dictionaries, as dpg-audit reads them), the
  same thread count and batch size, row groups dealt out
  to threads; every value's bytes folded into a checksum. No judging, no output. No audit of the
  file can be faster.
* **dpg-audit-t1**: dpg-audit with `--threads 1`, for the speedup.
* **dpg-audit, no findings file** (the `half` Parquet manifest only): the same audit without
  `--findings`, to show what writing millions of findings costs on top.
* Text manifests (`half` as CSV, NDJSON and gzipped CSV, the same rows as the Parquet `half`):
  dpg-audit reads them with whatever text reader it has; DuckDB's job reads them with its own
  `read_csv` (all columns as text; gzip decompressed as it reads) and `read_json`
  (`format = 'newline_delimited'`), row numbers by `row_number() OVER ()`, and runs the same SQL
  audit with the same lookup table. The text floor is `examples/line_floor.rs` (the file split
  into one byte range per thread, newlines counted, nothing parsed) beside `wc -l` (one thread);
  for the gzipped CSV, `gzip -dc | wc -l` (decompression is single-threaded by nature).

Each manifest is read once before the repetitions (page cache warm for every job alike), and the
order of the jobs rotates each repetition. Times are GNU time's `%e` (wall), `%U + %S` (CPU) and
`%M` (peak RSS) of the whole process; the tables show medians.

## Why the per-rule counts can differ

Both jobs judge licenses through the same lookup (built from dpg-audit), so license counts match
on the generated manifests; a raw string whose case-folded key collides with a differently judged
spelling would differ (`prepare` prints `case_conflicts`, 0 here). The other rules are
approximated in SQL:

* access: dpg-audit matches vocabulary phrases inside longer values ("login required" contains
  "login"; "members of the consortium" contains "members") and sends negations to review; the
  IN-lists only match whole values. On generated data every term is listed whole, so counts
  agree; on real free text the SQL would call more values `access-unrecognized`.
* access URLs: dpg-audit parses each URL (the `url` crate) and checks private ranges on the parsed
  host; the regexp accepts some strings the parser rejects (spaces, bad ports).
* collection rules are one finding each in both (`access-location-scattered` compares hosts with
  the declared home URL and mirrors by host only in SQL; dpg-audit also checks the path prefix).
* `license-url-mismatch` needs a `license_url` column, which the generator does not write.
"""


GENERATED = ("## Machine", "## Results", "## Per-rule finding counts", "## What each job does",
             "## Why the per-rule counts can differ", "## Commands")


def kept_sections(path):
    """The sections of the old report this script does not write (measurements made by hand,
    such as the portal batches): kept, after the generated ones, as they were."""
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    kept, keep = [], False
    for line in lines:
        if line.startswith("## "):
            keep = not line.startswith(GENERATED)
        if keep:
            kept.append(line)
    return kept + [""] if kept else []


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--work", required=True)
    p.add_argument("--rows", type=int, required=True)
    p.add_argument("--rows-rss", type=int, required=True)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--reps", type=int, required=True)
    p.add_argument("--args", default="")
    p.add_argument("--out", required=True)
    a = p.parse_args()

    med = load(a.work)
    sizes = load_sizes(a.work)
    body = []
    for manifest in MANIFESTS:
        if not any(key[0] == manifest for key in med):
            continue
        size = sizes.get(manifest)
        shown = f", {size / 1e6:,.0f} MB" if size else ""
        body += [f"### {TITLES.get(manifest, manifest)}, {a.rows:,} rows{shown}", ""]
        body += table(med, manifest, a.threads, size) + [""]
    checks = ratios(med, a.threads, a.rows, a.rows_rss, sizes)
    body += ["### Against the targets (issues #6 and #21)", "", "| issue | measure | value | target | |",
             "|---|---|---:|---|---|"]
    body += [f"| {i} | {w} | {v} | {t} | {ok} |" for i, w, v, t, ok in checks] + [""]
    failed = load_failed(a.work)
    if failed:
        body += ["### Jobs that failed (not timed)", "", "| manifest | job | exit | stderr |", "|---|---|---:|---|"]
        body += [f"| {r['manifest']} | {r['job']} | {r['exit']} | {r['stderr'].replace('|', '/')} |"
                 for r in failed] + [""]
    print("\n".join(body))

    with open(os.path.join(a.work, "out", "commands.txt")) as f:
        commands = [line.rstrip("\n") for line in f if line.strip()]
    m = machine(os.path.join(a.work, "out", "results.tsv"))
    doc = [
        "# Benchmarks",
        "",
        "Written by `bench/compare.sh` (see the README's Benchmarks section); re-run it to refresh.",
        f"Run: `{('bench/compare.sh ' + a.args).strip()}` ({a.reps} repetition(s) of each job, medians).",
        "",
        "The machine is shared: figures taken while other jobs (compilers) ran are noisy. \"all",
        "walls\" shows the spread over the repetitions and \"others' CPU s\" the CPU time other",
        "processes used during each run (from /proc/stat): near 0, the job had the machine to itself;",
        "comparable to its wall time, it shared the 2 CPUs and its wall time is inflated.",
        "",
        "## Machine",
        "",
        *[f"* {k}: {v}" for k, v in m.items()],
        "",
        "## Results",
        "",
        "Manifests from `examples/gen_manifest.rs`: `dirty` (skewed licenses with a long tail of",
        "~220 spellings, unique ids and URLs, restrictions, stray hosts and invalid URLs; about one",
        "item in ten fails), `clean` (one license in ~200 spellings, a declared mirror,",
        "permitted restrictions only; no findings), `uuid` (the dirty manifest with random",
        "UUIDs for ids, in no order) and `half` (issue #21's manifest: about half of all rows carry",
        "a finding, a long tail of ~1,000 license spellings, hosts mixed row by row), also written",
        "as CSV, NDJSON and gzipped CSV. Parquet: zstd, row groups of 131,072 rows.",
        "",
        "The ids of `dirty` and `clean` are written in order (`item-000000042`), as many exports",
        "are. dpg-audit notices that and proves them distinct without collecting them (see",
        "\"duplicate ids\" below), so those two manifests show the duplicate check at its cheapest;",
        "`uuid` shows it at its dearest (every id hashed, spilled and checked at the end).",
        "",
        *body,
        "## Per-rule finding counts (dpg-audit `summary.by_rule` vs DuckDB)",
        "",
        *rule_counts(a.work, a.rows),
        NOTES,
        "## Commands",
        "",
        "The timed commands (first repetition; `bench/work` is the default work folder):",
        "",
        "```",
        *commands,
        "```",
        "",
        "Criterion benches (not part of compare.sh): `cargo bench --bench normalize` (distinct",
        "license strings/s) and `cargo bench --bench evaluate` (rows/s of per-row evaluation, one",
        "thread, 100k rows in memory).",
        "",
    ]
    doc += kept_sections(a.out)
    with open(a.out, "w") as f:
        f.write("\n".join(doc))
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
