"""The README's Python examples run: the notebook one as written, on the bundled sample."""

from __future__ import annotations

import json
import re

import pytest

from conftest import REPO, cli_json


def python_blocks():
    text = (REPO / "README.md").read_text()
    section = text[text.index("\n## Python\n") :]
    section = section[: section.index("\n## ", 5)]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_the_notebook_example_runs_and_agrees_with_the_cli(monkeypatch):
    pytest.importorskip("polars")
    blocks = python_blocks()
    assert len(blocks) == 2
    monkeypatch.chdir(REPO)
    scope: dict = {}
    exec(compile(blocks[0], "README.md (Python)", "exec"), scope)
    report = scope["report"]
    cli = json.loads(
        cli_json(
            ["sample-data/openverse-images/items.csv"],
            "--config",
            "sample-data/openverse-images/dpg-audit.toml",
            cwd=REPO,
        )
    )
    ours = report.to_dict()
    assert report.verdict == cli["verdict"]
    assert ours["summary"] == cli["summary"]
    assert "<html" in report._repr_html_()


def test_the_spark_example_is_valid_python():
    compile(python_blocks()[1], "README.md (Spark)", "exec")
