"""Shared helpers: a manifest collection split into many Parquet files, and the CLI's report."""

from __future__ import annotations

import json
import os
import random
import subprocess
from pathlib import Path
from typing import List

import pytest

REPO = Path(__file__).resolve().parents[2]

# Statements of every kind the normalizer meets: exact, normalized, ambiguous, unknown,
# missing, non-commercial. A test row is an example of a kind, not a target.
LICENSES = [
    "CC-BY-4.0",
    "CC BY 4.0",
    "https://creativecommons.org/licenses/by-sa/4.0/",
    "CC BY-NC 4.0",
    "cc0",
    "MIT",
    "Creative Commons",
    "all rights reserved",
    "",
    None,
    "ODbL-1.0",
    "GPL",
]
HOSTS = ["https://example.org/", "https://mirror.example.net/", "http://other.example.com/"]


def cli() -> str:
    """The dpg-audit binary: $DPG_AUDIT_BIN, else the workspace's debug or release build."""
    explicit = os.environ.get("DPG_AUDIT_BIN")
    if explicit:
        return explicit
    for profile in ("debug", "release"):
        candidate = REPO / "target" / profile / "dpg-audit"
        if candidate.exists():
            return str(candidate)
    pytest.skip("no dpg-audit binary: run `cargo build` (scripts/test.sh does)")


def cli_json(paths: List[str], *extra: str, cwd: Path) -> str:
    """The CLI's JSON report of `paths` (exit 0 or 1 are verdicts; 2 is an error)."""
    done = subprocess.run(
        [cli(), "audit", "--quiet", "--format", "json", *extra, *paths],
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


def make_collection(folder: Path, files: int, rows: int, seed: int = 7) -> List[str]:
    """`files` Parquet files of `rows` items each, with ids repeated across files (so duplicates
    fall in different partitions), nulls, and every kind of license statement. Returns the
    file names relative to `folder`, sorted."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(seed)
    names = []
    for f in range(files):
        ids, licenses, urls = [], [], []
        for r in range(rows):
            n = f * rows + r
            # Every 97th item reuses the id of an item of another file.
            ids.append(f"item-{(n + rows * 3) % (files * rows)}" if n % 97 == 5 else f"item-{n}")
            licenses.append(rng.choice(LICENSES))
            urls.append(rng.choice(HOSTS) + f"{n}" if n % 53 else None)
        name = f"part-{f:03}.parquet"
        # Small row groups: a file is read in several splits and batches.
        pq.write_table(
            pa.table({"id": ids, "license": licenses, "url": urls}), folder / name, row_group_size=max(1, rows // 3)
        )
        names.append(name)
    return sorted(names)


@pytest.fixture
def collection(tmp_path: Path):
    names = make_collection(tmp_path, files=8, rows=400)
    return tmp_path, names


def without_version(report_json: str) -> dict:
    d = json.loads(report_json)
    d.get("tool", {}).pop("version", None)
    return d
