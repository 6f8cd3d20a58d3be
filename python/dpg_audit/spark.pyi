from typing import Any, Mapping, Optional, Sequence

from . import Config, Report

def audit(
    df: Any,
    *,
    config: Config = None,
    type: Optional[str] = None,
    profile: Optional[str] = None,
    columns: Optional[Mapping[str, str]] = None,
    manifests: Optional[Sequence[str]] = None,
    max_findings: int = 1000,
) -> Report: ...
