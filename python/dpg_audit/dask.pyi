from typing import Any, List, Mapping, Optional, Sequence

from . import Config, Report

def read_parquet(paths: Sequence[str], *, columns: Optional[List[str]] = None) -> Any: ...
def audit(
    ddf: Any,
    *,
    config: Config = None,
    type: Optional[str] = None,
    profile: Optional[str] = None,
    columns: Optional[Mapping[str, str]] = None,
    manifests: Optional[Sequence[str]] = None,
    max_findings: int = 1000,
) -> Report: ...
