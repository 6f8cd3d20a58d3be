"""Audit a Spark DataFrame: one partial per partition (``DataFrame.mapInArrow``), merged on the
driver into the report the CLI gives for the same files.

Each task turns its partition's Arrow batches into a serialized partial; only those bytes travel
to the driver. Row numbers and manifest names come from Spark's file metadata
(``_metadata.file_path`` and ``_metadata.row_index`` of a file source), so findings name the
same file and row as the CLI, and an id repeated in two partitions (or two files) is found
exactly, as the CLI finds it.

How it scales: a task holds its Arrow batch (Spark's ``maxRecordsPerBatch``) plus its partial:
the finding groups, the first ``max_findings`` findings and the ids of its rows (for the
duplicate check), so a task's memory grows with its partition's ids (about the ids' bytes plus
16 bytes a row), never with the whole collection. The driver takes the partials one at a time
(``toLocalIterator``) and merges each as it comes; past a memory budget the merged ids are
spilled to sorted runs in temporary files (as the CLI does), and the duplicates are found in one
pass over them at the end. So the driver's memory is one partial plus the budget, and its disk
about the bytes of all ids (an Openverse-scale collection of 500M ids of 36 characters: ~20 GB
of temporary files).

    from pyspark.sql import SparkSession
    import dpg_audit.spark

    spark = SparkSession.builder.getOrCreate()
    df = spark.read.parquet("s3://bucket/manifests/")
    report = dpg_audit.spark.audit(df, config="dpg-audit.toml")
    print(report.verdict)
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Mapping, Optional, Sequence
from urllib.parse import unquote, urlparse

from . import Auditor, Report, UsageError

_FILE = "__dpg_audit_file"
_ROW = "__dpg_audit_row"


def _path_key(path: str) -> str:
    """One spelling of a file's location: Spark's metadata gives URIs (``file:/x/y``), users
    give paths; local paths compare as absolute paths, other URIs as they are."""
    parsed = urlparse(path)
    if parsed.scheme in ("", "file"):
        local = unquote(parsed.path) if parsed.scheme == "file" else path
        return os.path.realpath(local)
    return path


def audit(
    df: Any,
    *,
    config: Any = None,
    type: Optional[str] = None,
    profile: Optional[str] = None,
    columns: Optional[Mapping[str, str]] = None,
    manifests: Optional[Sequence[str]] = None,
    max_findings: int = 1000,
) -> Report:
    """Audits a DataFrame read from manifest files (Parquet, CSV, JSON, ...).

    ``manifests`` lists the files in the order the report should name them (as the CLI's
    arguments); by default the DataFrame's input files, sorted. A DataFrame that is not a plain
    file scan (joined, filtered, made in memory) has no file rows: it is audited as one manifest
    named ``<spark dataframe>``, its rows numbered partition by partition (one extra pass counts
    the partitions' rows).
    """
    try:
        located = df.select("*", f"_metadata.file_path", f"_metadata.row_index")
        located = located.withColumnRenamed("file_path", _FILE).withColumnRenamed("row_index", _ROW)
        files = list(manifests) if manifests is not None else sorted(df.inputFiles())
    except Exception:  # noqa: BLE001 - Spark raises AnalysisException subclasses by version
        located = None
    if located is not None and files:
        return _audit_files(located, files, config, type, profile, columns, max_findings)
    return _audit_frame(df, config, type, profile, columns, max_findings)


def _auditor(config, type, profile, columns, manifests, max_findings) -> Auditor:
    return Auditor(
        config, type=type, profile=profile, columns=columns, manifests=manifests, max_findings=max_findings
    )


def _audit_files(located, files, config, type, profile, columns, max_findings) -> Report:
    auditor = _auditor(config, type, profile, columns, files, max_findings)
    index: Dict[str, int] = {_path_key(f): i for i, f in enumerate(files)}

    def task(batches):
        import pyarrow as pa
        import pyarrow.compute as pc

        partial = auditor._native.new_partial()
        for batch in batches:
            if batch.num_rows == 0:
                continue
            paths = batch.column(_FILE)
            rows = batch.column(_ROW)
            items = batch.drop_columns([_FILE, _ROW])
            # Runs of one file and consecutive rows: each run is observed with its origin.
            path_values = paths.to_pylist() if len(pc.unique(paths)) > 1 else None
            row_values = rows.to_numpy(zero_copy_only=False)
            start = 0
            n = batch.num_rows
            while start < n:
                path = path_values[start] if path_values is not None else paths[0].as_py()
                end = start + 1
                while (
                    end < n
                    and (path_values is None or path_values[end] == path)
                    and row_values[end] == row_values[end - 1] + 1
                ):
                    end += 1
                key = _path_key(path)
                if key not in index:
                    raise UsageError(f"{path}: a file of the DataFrame that is not in `manifests`")
                partial.observe(items.slice(start, end - start), index[key], int(row_values[start]) + 1)
                start = end
        yield pa.RecordBatch.from_pydict({"partial": [partial.to_bytes()]})

    # One partial at a time to the driver, merged as it comes.
    parts = located.mapInArrow(task, "partial binary").toLocalIterator()
    return auditor.merge(row["partial"] for row in parts)


def _audit_frame(df, config, type, profile, columns, max_findings) -> Report:
    from pyspark.sql.functions import spark_partition_id

    counted = df.withColumn("__p", spark_partition_id()).groupBy("__p").count().collect()
    sizes = {r["__p"]: r["count"] for r in counted}
    offsets: Dict[int, int] = {}
    total = 0
    for p in sorted(sizes):
        offsets[p] = total
        total += sizes[p]
    auditor = _auditor(config, type, profile, columns, ["<spark dataframe>"], max_findings)

    def task(batches):
        import pyarrow as pa
        from pyspark import TaskContext

        first = offsets.get(TaskContext.get().partitionId(), 0) + 1
        partial = auditor._native.new_partial()
        for batch in batches:
            partial.observe(batch, 0, first)
            first += batch.num_rows
        yield pa.RecordBatch.from_pydict({"partial": [partial.to_bytes()]})

    parts = df.mapInArrow(task, "partial binary").toLocalIterator()
    return auditor.merge(row["partial"] for row in parts)
