"""dpg-audit: can this data set or content collection be recognized as a Digital Public Good?

The auditing happens in the Rust library (the same code as the ``dpg-audit`` command); this
package hands Arrow data to it without a copy, through the Arrow PyCapsule interface, so
anything that exports ``__arrow_c_stream__`` is audited as is: a pyarrow Table or
RecordBatchReader, a Polars DataFrame, a DuckDB relation, a pandas DataFrame through
``pyarrow.Table.from_pandas``.

>>> import pyarrow as pa, dpg_audit
>>> items = pa.table({
...     "id": ["a", "b", "c"],
...     "license": ["CC-BY-4.0", "CC BY-NC 4.0", "CC-BY-4.0"],
...     "url": ["https://example.org/a", "https://example.org/b", "https://example.org/c"],
... })
>>> report = dpg_audit.audit(items)
>>> report.verdict
'fail'
>>> report.summary["by_rule"]["license-not-approved"]
1
>>> [(f["rule"], f["item"], f["row"]) for f in report.findings.to_pylist() if f["row"]]
[('license-not-approved', 'b', 2)]
>>> dpg_audit.normalize(["CC BY 4.0"])[0]["expression"]
'CC-BY-4.0'
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

from . import _native
from ._native import (
    ConfigError,
    DpgAuditError,
    InputError,
    InternalError,
    IoError,
    UsageError,
)

__version__ = _native.__version__

__all__ = [
    "audit",
    "normalize",
    "Auditor",
    "Report",
    "DpgAuditError",
    "UsageError",
    "ConfigError",
    "InputError",
    "IoError",
    "InternalError",
    "FORMATS",
]

#: The report formats of ``Report.render`` (the CLI's ``--format`` values).
FORMATS = (
    "terminal",
    "json",
    "markdown",
    "html",
    "sarif",
    "junit",
    "github",
    "ndjson",
    "dpg-submission",
)

PathLike = Union[str, "os.PathLike[str]"]


def _config_args(config: Any) -> Dict[str, Any]:
    """A config as the native side takes it: a TOML file's path, or a dict of its keys."""
    if config is None:
        return {}
    if isinstance(config, Mapping):
        return {"config_json": json.dumps(dict(config))}
    if isinstance(config, (str, os.PathLike)):
        return {"config_path": os.fspath(config)}
    raise UsageError(
        f"config must be a path to a dpg-audit.toml or a dict of its keys, not {type(config).__name__}"
    )


def _is_paths(data: Any) -> bool:
    if isinstance(data, (str, os.PathLike)):
        return True
    return (
        isinstance(data, (list, tuple))
        and len(data) > 0
        and all(isinstance(p, (str, os.PathLike)) for p in data)
    )


def _arrow_source(data: Any) -> Any:
    """The Arrow export of ``data``: itself when it speaks the PyCapsule interface. A pandas
    DataFrame goes through pyarrow (pandas has no C stream export of its own)."""
    if hasattr(data, "__arrow_c_stream__") or hasattr(data, "__arrow_c_array__"):
        return data
    if isinstance(data, (list, tuple)) and all(
        hasattr(d, "__arrow_c_stream__") or hasattr(d, "__arrow_c_array__") for d in data
    ):
        return list(data)
    if type(data).__module__.startswith("pandas"):
        import pyarrow as pa

        return pa.Table.from_pandas(data, preserve_index=False)
    # DuckDB relations export streams through `arrow()` / `fetch_record_batch()` in older versions.
    for method in ("fetch_record_batch", "to_arrow_table", "arrow"):
        if hasattr(data, method):
            return getattr(data, method)()
    raise UsageError(
        f"cannot audit a {type(data).__name__}: expected a path, a list of paths, or an object "
        "with __arrow_c_stream__ (pyarrow, Polars, DuckDB, ...)"
    )


def _rereadable(source: Any) -> bool:
    """Whether ``source`` exports the same rows each time it is asked: a table or batch held in
    memory. Then ids in order are checked without being kept (the data is read a second time
    only if they are not proven distinct), as the CLI does with files. A stream, a query (DuckDB
    may return rows in another order the second time) or anything else is read once, every id
    kept."""
    items = source if isinstance(source, list) else [source]
    for item in items:
        module = type(item).__module__
        name = type(item).__name__
        if not (
            (module.startswith("pyarrow") and name in ("Table", "RecordBatch"))
            or (module.startswith("polars") and name == "DataFrame")
        ):
            return False
    return True


class Report:
    """A finished audit: the verdict, the summary, the findings, and every CLI format.

    >>> import pyarrow as pa, dpg_audit
    >>> r = dpg_audit.audit(pa.table({"license": ["CC-BY-4.0"], "url": ["https://example.org/x"]}))
    >>> r.verdict
    'pass'
    >>> r.to_dict()["collection"]["items"]
    1
    >>> "<html" in r.render("html")
    True
    """

    __slots__ = ("_native", "_dict")

    def __init__(self, native: Any) -> None:
        self._native = native
        self._dict: Optional[Dict[str, Any]] = None

    @property
    def verdict(self) -> str:
        """``pass``, ``review`` or ``fail``."""
        return self._native.verdict

    @property
    def summary(self) -> Dict[str, Any]:
        """The JSON report's ``summary`` object."""
        return self.to_dict()["summary"]

    def to_dict(self) -> Dict[str, Any]:
        """The JSON report (the contract's keys) as Python objects."""
        if self._dict is None:
            self._dict = json.loads(self.to_json())
        return self._dict

    def to_json(self) -> str:
        """The JSON report, byte for byte as ``dpg-audit audit --format json`` writes it."""
        return self._native.render("json")

    def render(self, format: str = "terminal") -> str:
        """The report in any of the CLI's formats (see ``FORMATS``), never in colour."""
        return self._native.render(format)

    @property
    def findings(self) -> Any:
        """The report's per-item findings as a ``pyarrow.Table`` with the columns of the CLI's
        ``--findings`` file (rule, severity, item, manifest, row, line, message, value,
        evidence, waived, license, license_status; the last two are null here, as a report's
        finding keeps no license label). Like the JSON report, it holds the first
        ``max_findings``."""
        import pyarrow as pa

        return pa.table(self._native.findings())

    def _repr_html_(self) -> str:
        return self._native.render("html")

    def __repr__(self) -> str:
        items = self.to_dict()["collection"]["items"]
        return f"<dpg_audit.Report verdict={self.verdict!r} items={items}>"


class Auditor:
    """One collection's policy (config, type, profile, column names): the building block of a
    distributed audit. Each task turns its rows into a partial (bytes); the driver merges them.

    >>> import pyarrow as pa, dpg_audit
    >>> a = dpg_audit.Auditor(manifests=["part-0", "part-1"])
    >>> p0 = a.partial(pa.table({"id": ["x"], "license": ["MIT"], "url": ["https://e.org/1"]}),
    ...                origins=[(0, 1)])
    >>> p1 = a.partial(pa.table({"id": ["x"], "license": ["MIT"], "url": ["https://e.org/2"]}),
    ...                origins=[(1, 1)])
    >>> report = a.merge([p0, p1])
    >>> report.summary["by_rule"]["duplicate-item-id"]
    1
    """

    __slots__ = ("_native", "_kwargs")

    def __init__(
        self,
        config: Any = None,
        *,
        type: Optional[str] = None,
        profile: Optional[str] = None,
        columns: Optional[Mapping[str, str]] = None,
        manifests: Optional[Sequence[str]] = None,
        max_findings: int = 1000,
    ) -> None:
        self._kwargs = dict(
            _config_args(config),
            type=type,
            profile=profile,
            columns=dict(columns) if columns else None,
            manifests=list(manifests) if manifests is not None else None,
            max_findings=max_findings,
        )
        self._native = _native.NativeAuditor(**self._kwargs)

    def __reduce__(self) -> Any:
        # Shipped to workers (Spark, Dask) by its arguments; each process builds its own.
        return (_rebuild_auditor, (self._kwargs,))

    def partial(
        self,
        batches: Any,
        *,
        origins: Optional[Sequence[tuple]] = None,
        threads: int = 1,
    ) -> bytes:
        """Audits ``batches`` (an Arrow stream, a record batch, or a list of them) and returns
        the serialized partial. ``origins[i] = (manifest_index, first_row)`` says where the
        rows of the i-th batch are (row numbers count from 1); without it the rows are those
        of manifest 0, numbered from 1 in order."""
        return self._native.partial(
            _arrow_source(batches), [tuple(o) for o in origins] if origins is not None else None, threads
        )

    def merge(self, partials: Iterable[bytes]) -> Report:
        """Merges partials (from any tasks, in any order) into the report."""
        return Report(self._native.merge(p if isinstance(p, bytes) else bytes(p) for p in partials))

    def audit(self, data: Any, *, threads: int = 0) -> Report:
        """Audits Arrow data in this process, on ``threads`` threads (0: one per core)."""
        source = _arrow_source(data)
        return Report(self._native.audit(source, threads, _rereadable(source)))


def _rebuild_auditor(kwargs: Dict[str, Any]) -> Auditor:
    a = Auditor.__new__(Auditor)
    a._kwargs = kwargs
    a._native = _native.NativeAuditor(**kwargs)
    return a


def audit(
    data: Any,
    *,
    config: Any = None,
    type: Optional[str] = None,
    profile: Optional[str] = None,
    columns: Optional[Mapping[str, str]] = None,
    max_findings: int = 1000,
    threads: int = 0,
    name: Optional[str] = None,
) -> Report:
    """Audits a collection and returns its report.

    ``data`` is a path or a list of paths (read by the CLI's readers: Parquet, CSV, NDJSON,
    JSON, Arrow IPC, or one dataset's catalog metadata), or Arrow data: any object with
    ``__arrow_c_stream__`` (pyarrow Table or RecordBatchReader, Polars DataFrame, DuckDB
    relation) or a pandas DataFrame. ``config`` is a ``dpg-audit.toml`` path or a dict of its
    keys; ``type``, ``profile`` and ``columns`` (field -> column name) win over it, as the CLI's
    options do. ``name`` is how findings name Arrow data's manifest.
    """
    if _is_paths(data):
        paths = [os.fspath(data)] if isinstance(data, (str, os.PathLike)) else [os.fspath(p) for p in data]
        return Report(
            _native.audit_paths(
                paths,
                type=type,
                profile=profile,
                columns=dict(columns) if columns else None,
                max_findings=max_findings,
                threads=threads,
                **_config_args(config),
            )
        )
    source = _arrow_source(data)
    auditor = Auditor(
        config,
        type=type,
        profile=profile,
        columns=columns,
        manifests=[name or "<arrow data>"],
        max_findings=max_findings,
    )
    return auditor.audit(source, threads=threads)


def normalize(strings: Any) -> Any:
    """Normalizes license statements to SPDX.

    A list of strings gives a list of dicts (input, expression, status, candidates, via), as
    ``dpg-audit normalize --format json`` prints them; an Arrow string array (or a chunked one,
    or a Polars Series) gives a ``pyarrow`` struct array of the same fields, each distinct value
    normalized once.

    >>> import dpg_audit
    >>> [d["status"] for d in dpg_audit.normalize(["MIT", "CC BY", "whatever"])]
    ['exact', 'ambiguous', 'unknown']
    >>> import pyarrow as pa
    >>> dpg_audit.normalize(pa.array(["Apache 2.0", None])).field("expression").to_pylist()
    ['Apache-2.0', None]
    """
    if isinstance(strings, str):
        raise UsageError("normalize takes a list of strings or an Arrow array, not one string")
    if hasattr(strings, "__arrow_c_array__") or hasattr(strings, "__arrow_c_stream__"):
        import pyarrow as pa

        chunked = pa.chunked_array(_native.normalize_arrow(strings))
        if hasattr(strings, "__arrow_c_array__"):
            return chunked.combine_chunks()
        return chunked
    return _native.normalize_strings(list(strings))
