"""The Python API against the CLI: same normalizer, same reports, same errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import dpg_audit
from conftest import LICENSES, cli, cli_json, make_collection


def test_normalize_list_is_the_cli_json_lines():
    statements = [s for s in LICENSES if s is not None] + ["Apache License, Version 2.0", "CC-BY-SA-3.0-IGO"]
    done = subprocess.run([cli(), "normalize", "--format", "json", *statements], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    expected = [json.loads(line) for line in done.stdout.splitlines()]
    assert dpg_audit.normalize(statements) == expected


def test_normalize_arrow_array_chunked_and_polars():
    values = ["CC BY 4.0", None, "MIT", "CC BY 4.0", "Creative Commons", ""]
    out = dpg_audit.normalize(pa.array(values))
    assert isinstance(out, pa.StructArray)
    assert out.type.names == ["input", "expression", "status", "candidates", "via"]
    expected = {d["input"]: d for d in dpg_audit.normalize([v for v in values if v is not None])}
    for value, row in zip(values, out.to_pylist()):
        if value is None:
            assert row["input"] is None and row["expression"] is None and row["status"] == "missing"
        else:
            assert row == expected[value]
    chunked = dpg_audit.normalize(pa.chunked_array([values[:2], values[2:]]))
    assert isinstance(chunked, pa.ChunkedArray)
    assert chunked.to_pylist() == out.to_pylist()
    pl = pytest.importorskip("polars")
    assert pa.chunked_array(dpg_audit.normalize(pl.Series(values))).to_pylist() == out.to_pylist()
    # Large strings and string views are columns too.
    assert dpg_audit.normalize(pa.array(values, pa.large_string())).to_pylist() == out.to_pylist()
    with pytest.raises(dpg_audit.UsageError, match="strings"):
        dpg_audit.normalize(pa.array([1, 2]))


def test_arrow_table_gives_the_cli_report(tmp_path: Path, monkeypatch):
    names = make_collection(tmp_path, files=1, rows=3000)
    monkeypatch.chdir(tmp_path)
    expected = cli_json(names, cwd=tmp_path)
    report = dpg_audit.audit(pq.read_table(names[0]), name=names[0])
    assert report.to_json() == expected
    # The same through the paths, the CLI's readers.
    assert dpg_audit.audit(names[0]).to_json() == expected
    # One thread or many: the same report.
    assert dpg_audit.audit(pq.read_table(names[0]), name=names[0], threads=1).to_json() == expected
    # A stream of small batches too.
    reader = pq.ParquetFile(names[0]).iter_batches(batch_size=333)
    stream = pa.RecordBatchReader.from_batches(pq.read_schema(names[0]), reader)
    assert dpg_audit.audit(stream, name=names[0]).to_json() == expected


def test_several_paths_give_the_cli_report(collection, monkeypatch):
    folder, names = collection
    monkeypatch.chdir(folder)
    expected = cli_json(names, "--type", "content", cwd=folder)
    report = dpg_audit.audit(names, type="content")
    assert report.to_json() == expected
    assert report.summary["by_rule"]["duplicate-item-id"] > 0


def test_polars_and_duckdb_without_pandas(tmp_path: Path, monkeypatch):
    pl = pytest.importorskip("polars")
    duckdb = pytest.importorskip("duckdb")
    names = make_collection(tmp_path, files=1, rows=1000)
    monkeypatch.chdir(tmp_path)
    expected = dpg_audit.audit(pq.read_table(names[0]), name="items").to_json()
    frame = pl.read_parquet(names[0])
    relation = duckdb.sql(f"select * from read_parquet('{names[0]}')")
    # Any detour through pandas would import it: make that fail.
    monkeypatch.setitem(sys.modules, "pandas", None)
    assert dpg_audit.audit(frame, name="items").to_json() == expected
    assert dpg_audit.audit(relation, name="items").to_json() == expected


def test_pandas_through_pyarrow():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"license": ["CC-BY-4.0", "CC BY-NC 4.0"], "url": ["https://e.org/1", "https://e.org/2"]})
    report = dpg_audit.audit(frame)
    assert report.verdict == "fail"
    rows = [f["row"] for f in report.findings.to_pylist() if f["rule"] == "license-not-approved"]
    assert rows == [2]


def test_report_formats_findings_and_html():
    table = pa.table(
        {
            "id": ["a", "b", "c", "a"],
            "license": ["CC-BY-4.0", "CC BY-NC 4.0", "Creative Commons", "CC-BY-4.0"],
            "url": ["https://e.org/a", "https://e.org/b", "https://e.org/c", "https://e.org/d"],
        }
    )
    report = dpg_audit.audit(table, name="items.parquet")
    assert report.verdict == "fail"
    for fmt in dpg_audit.FORMATS:
        assert report.render(fmt).strip(), fmt
    with pytest.raises(dpg_audit.UsageError, match="unknown format"):
        report.render("pdf")
    assert report._repr_html_() == report.render("html")
    assert json.loads(report.render("sarif"))["version"] == "2.1.0"
    findings = report.findings
    assert findings.column_names == [
        "rule", "severity", "item", "manifest", "row", "line", "message", "value", "evidence", "waived",
        "license", "license_status",
    ]
    # A report's finding keeps no license label: only the --findings file has these filled.
    assert findings.column("license").null_count == findings.num_rows
    assert findings.schema.field("row").type == pa.uint64()
    rows = sorted((f["rule"], f["row"]) for f in findings.to_pylist() if f["row"])
    by_json = sorted((f["rule"], f.get("row")) for f in report.to_dict()["findings"] if f.get("row"))
    assert rows == by_json
    assert ("duplicate-item-id", 4) in rows
    assert repr(report) == "<dpg_audit.Report verdict='fail' items=4>"


def test_config_dict_type_profile_and_columns():
    table = pa.table({"rights": ["GPL-3.0-only", "MIT"], "link": ["https://e.org/1", "https://e.org/2"]})
    # Columns found through the mapping; `software` accepts GPL.
    r = dpg_audit.audit(table, type="software", columns={"license": "rights", "url": "link"})
    assert r.verdict == "pass", r.render("terminal")
    r = dpg_audit.audit(table, config={"type": "software", "columns": {"license": "rights", "url": "link"}})
    assert r.verdict == "pass"
    # The default type (data) does not accept GPL for data.
    r = dpg_audit.audit(table, columns={"license": "rights", "url": "link"})
    assert r.verdict != "pass"


def test_errors_carry_the_cli_messages(tmp_path: Path):
    missing = tmp_path / "nope.parquet"
    done = subprocess.run([cli(), "audit", "--quiet", str(missing)], capture_output=True, text=True)
    assert done.returncode == 2
    with pytest.raises(dpg_audit.DpgAuditError) as e:
        dpg_audit.audit(str(missing))
    assert f"dpg-audit: error: {e.value}" == done.stderr.strip()
    with pytest.raises(dpg_audit.ConfigError, match="unknown field `licence_col`"):
        dpg_audit.audit(pa.table({"license": ["MIT"]}), config={"columns": {"licence_col": "x"}})
    with pytest.raises(dpg_audit.ConfigError):
        dpg_audit.audit(pa.table({"license": ["MIT"]}), config={"no_such_key": 1})
    with pytest.raises(dpg_audit.UsageError, match="unknown type"):
        dpg_audit.audit(pa.table({"license": ["MIT"]}), type="dataset")
    with pytest.raises(dpg_audit.InputError, match="no items"):
        dpg_audit.audit(pa.table({"license": pa.array([], pa.string())}))
    with pytest.raises(dpg_audit.UsageError, match="cannot audit"):
        dpg_audit.audit(42)
    config = tmp_path / "dpg-audit.toml"
    config.write_text("type = 'nonsense'\n")
    with pytest.raises(dpg_audit.ConfigError, match=str(config)):
        dpg_audit.audit(pa.table({"license": ["MIT"]}), config=config)


def test_partials_merge_like_one_audit(collection, monkeypatch):
    folder, names = collection
    monkeypatch.chdir(folder)
    expected = cli_json(names, cwd=folder)
    auditor = dpg_audit.Auditor(manifests=names)
    # One partial per file, merged in reverse order: the same report as the CLI's.
    partials = [auditor.partial(pq.read_table(n), origins=[(i, 1)]) for i, n in enumerate(names)]
    assert auditor.merge(reversed(partials)).to_json() == expected
    # Rows of one file split over two partials.
    first = pq.read_table(names[0])
    halves = [
        auditor.partial(first.slice(0, 150), origins=[(0, 1)]),
        auditor.partial(first.slice(150), origins=[(0, 151)]),
    ]
    rest = [auditor.partial(pq.read_table(n), origins=[(i, 1)]) for i, n in enumerate(names) if i > 0]
    assert auditor.merge(halves + rest).to_json() == expected
    with pytest.raises(dpg_audit.UsageError, match="not a dpg-audit partial"):
        auditor.merge([b"garbage"])
    with pytest.raises(dpg_audit.UsageError, match="out of range"):
        auditor.partial(first, origins=[(len(names), 1)])
    # An auditor travels to other processes by its arguments.
    import pickle

    again = pickle.loads(pickle.dumps(auditor))
    assert again.merge(partials).to_json() == expected


def test_tables_and_streams_find_the_same_duplicates(tmp_path: Path, monkeypatch):
    # Ids in order (the common export), with repeats far apart: a table in memory is checked
    # like the CLI's file (spans, read again), a one-shot stream keeps every id.
    n = 20000
    ids = [f"id-{i:07}" for i in range(n)]
    for a, b in [(10, 15000), (19999, 3), (7000, 7001)]:
        ids[a] = ids[b]
    table = pa.table({"id": ids, "license": ["CC-BY-4.0"] * n, "url": [f"https://e.org/{i}" for i in range(n)]})
    pq.write_table(table, tmp_path / "items.parquet", row_group_size=3000)
    monkeypatch.chdir(tmp_path)
    expected = cli_json(["items.parquet"], cwd=tmp_path)
    assert json.loads(expected)["summary"]["by_rule"]["duplicate-item-id"] == 3
    assert dpg_audit.audit(table, name="items.parquet").to_json() == expected
    stream = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=1000))
    assert dpg_audit.audit(stream, name="items.parquet").to_json() == expected
    pl = pytest.importorskip("polars")
    assert dpg_audit.audit(pl.from_arrow(table), name="items.parquet").to_json() == expected
    # A stream is read once: a second audit of it is an error, not an empty report.
    with pytest.raises(dpg_audit.DpgAuditError):
        dpg_audit.audit(stream)


def test_categoricals_and_wrong_types():
    pl = pytest.importorskip("polars")
    frame = pl.DataFrame(
        {"license": ["CC-BY-4.0", "CC BY-NC 4.0", None], "url": ["https://e.org/1", "https://e.org/2", "https://e.org/3"]}
    )
    plain = dpg_audit.audit(frame).to_json()
    # Polars' categoricals are dictionaries of string views: the same report.
    assert dpg_audit.audit(frame.with_columns(pl.col("license").cast(pl.Categorical))).to_json() == plain
    large = pa.table(frame).cast(pa.schema([("license", pa.large_string()), ("url", pa.large_string())]))
    assert dpg_audit.audit(large).to_json() == plain
    with pytest.raises(dpg_audit.InputError, match="column `license` .* has type Int64; expected text"):
        dpg_audit.audit(pa.table({"license": [1, 2], "url": ["https://e.org/1", "https://e.org/2"]}))
