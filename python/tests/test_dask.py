"""Dask: one partial per partition (map_partitions), merged on the client, equals the CLI's
report byte for byte, duplicate ids in different partitions included."""

from __future__ import annotations

from pathlib import Path

import pytest

dd = pytest.importorskip("dask.dataframe")

import dask
import dpg_audit
import dpg_audit.dask
from conftest import cli_json, make_collection


@pytest.mark.parametrize("scheduler", ["threads", "processes"])
def test_dask_report_is_the_cli_report(tmp_path: Path, monkeypatch, scheduler):
    names = make_collection(tmp_path, files=6, rows=500)
    monkeypatch.chdir(tmp_path)
    expected = cli_json(names, cwd=tmp_path)
    ddf = dpg_audit.dask.read_parquet(names)
    assert ddf.npartitions > len(names)
    with dask.config.set(scheduler=scheduler, num_workers=2):
        report = dpg_audit.dask.audit(ddf, manifests=names)
    assert report.to_json() == expected
    assert report.summary["by_rule"]["duplicate-item-id"] > 0
    with pytest.raises(dpg_audit.UsageError, match="manifests"):
        dpg_audit.dask.audit(ddf)
    # Partitions merged by Dask still hold runs of one file: the same report.
    merged = ddf.repartition(npartitions=3)
    assert dpg_audit.dask.audit(merged, manifests=names).to_json() == expected


def test_dask_frame_without_files():
    import pandas as pd

    frame = pd.DataFrame(
        {
            "id": [f"id-{i % 40}" for i in range(100)],
            "license": ["CC-BY-4.0" if i % 4 else "CC BY-NC 4.0" for i in range(100)],
            "url": [f"https://e.org/{i}" for i in range(100)],
        }
    )
    ddf = dd.from_pandas(frame, npartitions=4)
    report = dpg_audit.dask.audit(ddf)
    assert report.to_json() == dpg_audit.audit(frame, name="<dask dataframe>").to_json()
    assert report.summary["by_rule"]["duplicate-item-id"] == 60
