"""Spark: one partial per partition (mapInArrow), merged on the driver, equals the CLI's report
byte for byte, duplicate ids in different partitions included. Local mode, small data."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

pyspark = pytest.importorskip("pyspark")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("no Java for Spark", allow_module_level=True)

import dpg_audit
import dpg_audit.spark
from conftest import cli_json, make_collection


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    # Spark starts its Python workers with `python3` from PATH unless told: they must be this
    # interpreter (the virtualenv with pyarrow and dpg_audit), activated or not.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("dpg-audit-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        # Small splits and batches: a file spreads over several partitions and batches.
        .config("spark.sql.files.maxPartitionBytes", "4096")
        .config("spark.sql.files.openCostInBytes", "1024")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "150")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    yield session
    session.stop()


def test_spark_report_is_the_cli_report(spark, tmp_path: Path, monkeypatch):
    names = make_collection(tmp_path, files=12, rows=600)
    monkeypatch.chdir(tmp_path)
    expected = cli_json(names, cwd=tmp_path)
    # The JVM keeps its own working directory: Spark gets absolute paths, the report the
    # names as the CLI was given them.
    df = spark.read.parquet(*[str(tmp_path / n) for n in names])
    assert df.rdd.getNumPartitions() > 1
    report = dpg_audit.spark.audit(df, manifests=names)
    assert report.to_json() == expected
    # Duplicates across files, hence across partitions, are found.
    assert report.summary["by_rule"]["duplicate-item-id"] > 0
    # Options reach the tasks.
    assert dpg_audit.spark.audit(df, manifests=names, type="content").to_json() == cli_json(
        names, "--type", "content", cwd=tmp_path
    )


def test_spark_frame_without_files(spark):
    rows = [(f"id-{i % 250}", "CC-BY-4.0" if i % 3 else "CC BY-NC 4.0", f"https://e.org/{i}") for i in range(300)]
    df = spark.createDataFrame(rows, ["id", "license", "url"]).repartition(3)
    report = dpg_audit.spark.audit(df)
    local = dpg_audit.audit(df.toArrow() if hasattr(df, "toArrow") else df.toPandas(), name="<spark dataframe>")
    # Row order across partitions is Spark's; the tallies do not depend on it.
    assert report.summary == local.summary
    assert report.summary["by_rule"]["duplicate-item-id"] == 50
