"""Side by side: `dpg_audit.audit(pyarrow.parquet.read_table(path))` against the CLI on the same
Parquet manifest, alternating, and checks that both give the same report.

    python bench/python_vs_cli.py --cli target/release/dpg-audit --reps 5 MANIFEST.parquet [...]

Run it in a virtualenv where the extension was built in release mode
(`maturin develop --release -m python/Cargo.toml`) with pyarrow installed. Prints a Markdown
table (medians and every wall time); the machine is shared, so "others' CPU s" gives the CPU time
other processes used during each run (from /proc/stat), as bench/compare.sh does.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path


def cpu_total() -> float:
    """Seconds of busy CPU time of the whole machine (all processes)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed(job):
    machine0, own0, wall0 = cpu_total(), own_cpu(), time.perf_counter()
    result = job()
    wall = time.perf_counter() - wall0
    others = max(0.0, (cpu_total() - machine0) - (own_cpu() - own0))
    return wall, others, result


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("manifests", nargs="+")
    args = ap.parse_args()

    import pyarrow.parquet as pq

    import dpg_audit

    for path in args.manifests:
        name = path
        # The CLI reads the config beside the manifest; the Python call is given the same one.
        beside = Path(path).with_name("dpg-audit.toml")
        config = str(beside) if beside.exists() else None
        rows = pq.ParquetFile(path).metadata.num_rows
        jobs = {
            "CLI: dpg-audit audit --threads T --format json": lambda: subprocess.run(
                [args.cli, "audit", "--quiet", "--threads", str(args.threads), "--format", "json", path],
                capture_output=True,
                text=True,
            ).stdout,
            "Python: read_table + audit": lambda: dpg_audit.audit(
                pq.read_table(path), name=name, threads=args.threads, config=config
            ).to_json(),
        }
        # The audit call alone (the table already read), for the hand-over's own cost.
        table_holder = {}

        def audit_only():
            return dpg_audit.audit(table_holder["t"], name=name, threads=args.threads, config=config).to_json()

        walls = {k: [] for k in list(jobs) + ["Python: audit(table) only"]}
        others = {k: [] for k in walls}
        outputs = {}
        for _ in range(args.reps):
            for label, job in jobs.items():
                w, o, out = timed(job)
                walls[label].append(w)
                others[label].append(o)
                outputs[label] = out
            table_holder["t"] = pq.read_table(path)
            w, o, out = timed(audit_only)
            walls["Python: audit(table) only"].append(w)
            others["Python: audit(table) only"].append(o)
            outputs["Python: audit(table) only"] = out
            table_holder.clear()
        reports = {k: json.loads(v) for k, v in outputs.items()}
        same = all(r == reports["CLI: dpg-audit audit --threads T --format json"] for r in reports.values())
        cli_median = statistics.median(walls["CLI: dpg-audit audit --threads T --format json"])
        print(f"\n### {path}, {rows:,} rows, {args.threads} threads, {args.reps} reps\n")
        print("| job | wall s (median) | x CLI | all walls | others' CPU s |")
        print("|---|---:|---:|---|---|")
        for label in walls:
            med = statistics.median(walls[label])
            print(
                f"| {label} | {med:.2f} | {med / cli_median:.2f} | "
                f"{' '.join(f'{w:.2f}' for w in walls[label])} | "
                f"{' '.join(f'{o:.1f}' for o in others[label])} |"
            )
        print(f"\nSame JSON report from all three: {'yes' if same else 'NO'}")
        if not same:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
