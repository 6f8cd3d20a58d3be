"""Audit a Dask DataFrame: one partial per partition (``map_partitions``), merged on the client
into the report the CLI gives for the same files.

``read_parquet(paths)`` makes a DataFrame of manifest files with one partition per Parquet row
group, each row carrying its file and row number, so findings name the same file and row as
the CLI and an id repeated in two partitions is found exactly. Any other Dask DataFrame is
audited as one manifest named ``<dask dataframe>``, rows numbered partition by partition (one
extra pass counts the partitions' rows).

How it scales: a task holds its partition (one row group) and its partial, whose size grows
with the partition's ids (for the duplicate check), never with the collection. ``compute()``
brings every partial to the client at once (the client needs their bytes, about those of all
ids); the merge then spills ids past a budget to temporary files, as the CLI does.

    import dpg_audit.dask
    files = ["a.parquet", "b.parquet"]
    report = dpg_audit.dask.audit(dpg_audit.dask.read_parquet(files), manifests=files)
"""

from __future__ import annotations

from typing import Any, List, Mapping, Optional, Sequence

from . import Auditor, Report, UsageError

_MANIFEST = "__dpg_audit_manifest"
_ROW = "__dpg_audit_row"


def _read_row_group(part: tuple) -> Any:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    manifest, path, group, first_row, columns = part
    table = pq.ParquetFile(path).read_row_group(group, columns=columns)
    n = table.num_rows
    table = table.append_column(_MANIFEST, pa.array([manifest] * n, pa.int32()))
    table = table.append_column(_ROW, pa.array(range(first_row, first_row + n), pa.int64()))
    # Arrow types kept (pandas' ArrowDtype): nulls, integers and strings come back unchanged.
    return table.to_pandas(types_mapper=pd.ArrowDtype)


def read_parquet(paths: Sequence[str], *, columns: Optional[List[str]] = None) -> Any:
    """A Dask DataFrame of Parquet manifest files, one partition per row group, with each row's
    manifest index and 1-based row number (hidden columns the audit reads and drops). Paths
    are named in the report as given, in this order."""
    import dask.dataframe as dd
    import pyarrow.parquet as pq

    paths = list(paths)
    parts = []
    for i, path in enumerate(paths):
        meta = pq.ParquetFile(path).metadata
        row = 1
        for g in range(meta.num_row_groups):
            parts.append((i, path, g, row, columns))
            row += meta.row_group(g).num_rows
    if not parts:
        raise UsageError("no row groups to read")
    return dd.from_map(_read_row_group, parts, enforce_metadata=False)


def audit(
    ddf: Any,
    *,
    config: Any = None,
    type: Optional[str] = None,
    profile: Optional[str] = None,
    columns: Optional[Mapping[str, str]] = None,
    manifests: Optional[Sequence[str]] = None,
    max_findings: int = 1000,
) -> Report:
    """Audits a Dask DataFrame (see the module's docs)."""
    import pandas as pd

    positioned = _MANIFEST in ddf.columns and _ROW in ddf.columns
    if positioned:
        names = list(manifests or [])
        if not names:
            raise UsageError("name the manifests: `manifests=` the paths given to read_parquet, in order")
        offsets = None
    else:
        names = ["<dask dataframe>"]
        sizes = ddf.map_partitions(len).compute()
        offsets, total = [], 1
        for size in sizes:
            offsets.append(total)
            total += int(size)
    auditor = Auditor(
        config, type=type, profile=profile, columns=columns, manifests=names, max_findings=max_findings
    )

    def task(frame: Any, partition_info: Any = None) -> Any:
        import pyarrow as pa

        partial = auditor._native.new_partial()
        if len(frame):
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if positioned:
                manifest = table.column(_MANIFEST).to_numpy()
                row = table.column(_ROW).to_numpy()
                items = table.drop_columns([_MANIFEST, _ROW])
                start, n = 0, table.num_rows
                while start < n:
                    end = start + 1
                    while end < n and manifest[end] == manifest[start] and row[end] == row[end - 1] + 1:
                        end += 1
                    partial.observe(items.slice(start, end - start), int(manifest[start]), int(row[start]))
                    start = end
            else:
                number = (partition_info or {}).get("number", 0)
                partial.observe(table, 0, offsets[number])
        return pd.DataFrame({"partial": [partial.to_bytes()]})

    meta = pd.DataFrame({"partial": pd.Series([], dtype=object)})
    parts = ddf.map_partitions(task, meta=meta).compute()
    return auditor.merge(parts["partial"].tolist())
