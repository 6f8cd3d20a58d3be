#!/usr/bin/env python3
"""The DPG audit of an item manifest, hand-written in DuckDB SQL: the comparison job of
bench/compare.sh. The manifest is read with DuckDB's own reader for its extension: read_parquet
(.parquet), read_csv (.csv, .csv.gz: DuckDB's parallel CSV reader, gzip decompressed as it
reads) or read_json in newline-delimited form (.ndjson, .jsonl); the SQL audit is the same.

  duckdb_audit.py prepare MANIFEST --dpg-audit BIN --lookup LOOKUP.parquet
      Before timing. Builds the license lookup table from the manifest's distinct license
      strings: key = lower(trim(license)), the SPDX expression from `dpg-audit normalize`, and the
      license findings dpg-audit gives that string for a data collection (found by auditing a
      one-row-per-distinct-string manifest). This is the table a careful analyst would write by
      hand; it is built from dpg-audit so that both jobs judge licenses the same way.

  duckdb_audit.py run MANIFEST --lookup LOOKUP.parquet --findings OUT.parquet [--threads 2]
                      [--home URL] [--mirror URL ...]
      The timed job. Every row is classified: license by a LEFT JOIN on lower(trim(license)),
      access URL by regexp host extraction (missing / not http(s) / local or private host),
      access restrictions by IN-lists, duplicate ids by GROUP BY id HAVING count(*) > 1. Every
      finding (rule, severity, item, manifest, row, value, message) is written with
      COPY ... TO OUT (FORMAT PARQUET). A second statement tallies hosts and licenses (the
      collection rules: one location, mixed licensing). Prints a JSON summary on stdout.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

# Restriction vocabulary as IN-lists (lowercased, trimmed). The permitted and discriminatory terms
# of rules/access/vocabulary.toml that are single exact phrases, plus the phrasings the generator
# writes; anything else is access-unrecognized. dpg-audit also matches phrases inside longer
# values ("login required" contains "login"); an IN-list cannot, so such terms are listed whole.
PERMITTED = [
    "", "none", "open", "public", "open access", "free", "unrestricted", "no restrictions", "no restriction",
    "direct download", "available", "anonymous", "registration", "login", "login required", "log in",
    "sign in", "account required", "api key", "api key required", "token", "rate limit", "rate limited",
    "throttled", "quota",
]
DISCRIMINATORY = {
    # term -> the reason dpg-audit gives
    "us only": "restricts access by geography",
    "eu only": "restricts access by geography",
    "uk only": "restricts access by geography",
    "geoblocked": "restricts access by geography",
    "residents only": "restricts access by geography",
    "members only": "restricts access to members of a group",
    "membership": "restricts access to members of a group",
    "institutional": "restricts access to members of a group",
    "academic use": "restricts access to members of a group",
    "researchers only": "restricts access to members of a group",
    "subscription": "requires payment",
    "fee": "requires payment",
    "paid": "requires payment",
    "request access": "access is granted at someone's discretion",
    "on request": "access is granted at someone's discretion",
    "restricted": "access is granted at someone's discretion",
    "approval required": "access is granted at someone's discretion",
}

HOST_RE = r"^https?://([^/:?#]+)"
# Loopback, private (RFC 1918), link-local and .local/.internal names: not a public location.
PRIVATE_HOST_RE = (
    r"^(localhost|127\.\d+\.\d+\.\d+|10\.\d+\.\d+\.\d+|192\.168\.\d+\.\d+|172\.(1[6-9]|2\d|3[01])\.\d+\.\d+"
    r"|169\.254\.\d+\.\d+|0\.0\.0\.0|\[?::1\]?)$|\.(local|internal|localhost)$"
)


COLUMNS = ["id", "license", "url", "access"]


def source_sql(path, row_numbers=False):
    """A FROM item reading the manifest with DuckDB's reader for its kind; with `row_numbers`,
    each row's 1-based position in the file as `row` (Parquet: the reader's file_row_number;
    text: row_number() over the scan, which DuckDB keeps in file order)."""
    quoted = path.replace("'", "''")
    lower = path.lower()
    if lower.endswith(".parquet"):
        if row_numbers:
            return (f"(SELECT id, license, url, access, file_row_number + 1 AS row "
                    f"FROM read_parquet('{quoted}', file_row_number = true))")
        return f"read_parquet('{quoted}')"
    cols = ", ".join(f"'{c}': 'VARCHAR'" for c in COLUMNS)
    if lower.endswith((".csv", ".csv.gz", ".tsv", ".tsv.gz")):
        # Every column as text, as dpg-audit reads it.
        reader = f"read_csv('{quoted}', header = true, all_varchar = true)"
    elif lower.endswith((".ndjson", ".jsonl", ".ndjson.gz", ".jsonl.gz")):
        reader = f"read_json('{quoted}', format = 'newline_delimited', columns = {{{cols}}})"
    else:
        sys.exit(f"duckdb_audit.py: {path}: unknown manifest extension")
    # An empty CSV cell reads as NULL; the Parquet twin holds '' there, which the lookup and the
    # URL rule judge, so text gives '' back.
    text = "id, coalesce(license, '') AS license, coalesce(url, '') AS url, coalesce(access, '') AS access"
    if row_numbers:
        return f"(SELECT {text}, row_number() OVER () AS row FROM {reader})"
    return f"(SELECT {text} FROM {reader})"


def sql_list(items):
    return ", ".join("'" + s.replace("'", "''") + "'" for s in items)


def prepare(args):
    con = duckdb.connect()
    distinct = [
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT license FROM {source_sql(args.manifest)} WHERE license IS NOT NULL ORDER BY 1"
        ).fetchall()
    ]
    # SPDX expressions: one line per string on stdin (the generator writes no newlines in values).
    lines = [s for s in distinct if "\n" not in s and "\r" not in s]
    out = subprocess.run(
        [args.dpg_audit, "normalize", "--format", "json"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    spdx = {}
    for s, line in zip(lines, out.splitlines()):
        spdx[s] = json.loads(line).get("expression")

    # The license findings dpg-audit gives each distinct string, for a data collection: audit a
    # manifest with one row per string (valid URL, no restriction, so only license rules fire).
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "distinct.parquet")
        pq.write_table(
            pa.table(
                {
                    "id": [f"l{i}" for i in range(len(distinct))],
                    "license": distinct,
                    "url": [f"https://data.example.org/items/l{i}" for i in range(len(distinct))],
                }
            ),
            path,
        )
        proc = subprocess.run(
            [args.dpg_audit, "audit", "--quiet", "--type", "data", "--format", "json",
             "--max-findings", str(10 * len(distinct) + 100), path],
            capture_output=True,
            text=True,
        )
        if proc.returncode not in (0, 1):
            sys.exit(f"dpg-audit failed on the distinct license strings: {proc.stderr}")
        report = json.loads(proc.stdout)
    findings = {}
    for f in report["findings"]:
        if f.get("row") is None or not f["rule"].startswith("license"):
            continue
        findings.setdefault(f["row"] - 1, []).append(
            {"rule": f["rule"], "severity": f["severity"], "message": f["message"]}
        )

    # lower(trim()) folds spellings that differ only in case or outer spaces; they judge alike
    # (the first one seen wins, and the summary notes any conflict).
    rows, seen, conflicts = [], {}, 0
    for i, s in enumerate(distinct):
        key = s.strip().lower()
        fs = sorted(findings.get(i, []), key=lambda f: f["rule"])
        if key in seen:
            conflicts += seen[key] != [f["rule"] for f in fs]
            continue
        seen[key] = [f["rule"] for f in fs]
        rows.append({"key": key, "spdx": spdx.get(s), "findings": fs})
    finding_type = pa.list_(
        pa.struct([("rule", pa.string()), ("severity", pa.string()), ("message", pa.string())])
    )
    table = pa.table(
        {
            "key": pa.array([r["key"] for r in rows], pa.string()),
            "spdx": pa.array([r["spdx"] for r in rows], pa.string()),
            "findings": pa.array([r["findings"] or None for r in rows], finding_type),
        }
    )
    pq.write_table(table, args.lookup)
    print(
        json.dumps(
            {"distinct_strings": len(distinct), "keys": len(rows), "keys_with_findings":
             sum(1 for r in rows if r["findings"]), "case_conflicts": conflicts}
        )
    )


def run(args):
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"SET threads = {int(args.threads)}")
    con.execute("CREATE TEMP TABLE lic AS SELECT * FROM read_parquet(?)", [args.lookup])
    manifest_name = os.path.basename(args.manifest).replace("'", "''")
    findings_path = args.findings.replace("'", "''")
    disc_cases = " ".join(
        f"WHEN '{t}' THEN '{r.replace(chr(39), chr(39) * 2)}'" for t, r in DISCRIMINATORY.items()
    )
    # One pass over the rows (plus the id column for the duplicate check): classify, keep the
    # rows with at least one finding, and unnest their findings.
    query = f"""
    COPY (
      WITH src AS (SELECT id, license, url, access, row FROM {source_sql(args.manifest, True)}),
      dup_ids AS (SELECT id FROM src {"WHERE false" if args.no_duplicates else ""}
                  GROUP BY id HAVING count(*) > 1),
      judged AS (
        SELECT s.id, s.row, s.license, s.url, s.access, l.findings AS lic,
          regexp_extract(s.url, '{HOST_RE}', 1) AS host,
          lower(trim(s.access)) AS acc,
          s.id IN (SELECT id FROM dup_ids) AS dup
        FROM src s LEFT JOIN lic l ON lower(trim(s.license)) = l.key
      ),
      classified AS (
        SELECT id, row, license, url, access, lic, dup,
          CASE
            WHEN url IS NULL OR trim(url) = '' THEN 'access-location-missing'
            WHEN host = '' OR regexp_matches(lower(host), '{PRIVATE_HOST_RE}') THEN 'access-location-invalid'
          END AS url_rule,
          CASE
            WHEN acc IS NULL OR acc IN ({sql_list(PERMITTED)}) THEN NULL
            WHEN acc IN ({sql_list(DISCRIMINATORY)}) THEN 'access-discriminatory'
            ELSE 'access-unrecognized'
          END AS access_rule,
          CASE acc {disc_cases} END AS access_reason
        FROM judged
      ),
      found AS (
        SELECT id, row, unnest(list_concat(
          coalesce(list_transform(lic, lambda f: {{'rule': f.rule, 'severity': f.severity, 'value': license,
                                              'message': f.message}}), []),
          CASE WHEN url_rule = 'access-location-missing' THEN
            [{{'rule': url_rule, 'severity': 'error', 'value': url, 'message': 'no access URL'}}]
          WHEN url_rule IS NOT NULL THEN
            [{{'rule': url_rule, 'severity': 'error', 'value': url,
               'message': 'not an absolute public http(s) URL'}}] ELSE [] END,
          CASE WHEN access_rule = 'access-discriminatory' THEN
            [{{'rule': access_rule, 'severity': 'error', 'value': access, 'message': access_reason}}]
          WHEN access_rule IS NOT NULL THEN
            [{{'rule': access_rule, 'severity': 'warning', 'value': access,
               'message': 'restriction term not in the vocabulary'}}] ELSE [] END,
          CASE WHEN dup THEN
            [{{'rule': 'duplicate-item-id', 'severity': 'warning', 'value': id,
               'message': 'the same id on more than one row'}}] ELSE [] END
        )) AS f
        FROM classified
        WHERE lic IS NOT NULL OR dup OR url_rule IS NOT NULL OR access_rule IS NOT NULL
      )
      SELECT f.rule AS rule, f.severity AS severity, id AS item, '{manifest_name}' AS manifest, row,
             f.value AS value, f.message AS message
      FROM found
    ) TO '{findings_path}' (FORMAT PARQUET)
    """
    con.execute(query)

    # Collection rules: hosts (one location) and licenses (mixed licensing), in one scan.
    tallies = con.execute(
        f"""
        SELECT regexp_extract(url, '{HOST_RE}', 1) AS host, l.spdx AS spdx, count(*) AS n
        FROM {source_sql(args.manifest)} s LEFT JOIN lic l ON lower(trim(s.license)) = l.key
        GROUP BY GROUPING SETS ((host), (spdx))
        """
    ).fetchall()
    elapsed = time.perf_counter() - started

    by_rule = dict(
        con.execute(f"SELECT rule, count(*) FROM read_parquet('{findings_path}') GROUP BY rule ORDER BY rule")
        .fetchall()
    )
    hosts = {h: n for h, s, n in tallies if s is None and h is not None and h != ""}
    licenses = {s: n for h, s, n in tallies if h is None and s is not None}
    rows = sum(n for h, s, n in tallies if s is None and h is not None)
    declared = [u for u in [args.home, *args.mirror] if u]
    if declared:
        covered = {m.group(1) for u in declared if (m := re.match(HOST_RE, u))}
        outside = {h: n for h, n in hosts.items() if h not in covered}
    else:
        outside = hosts if len(hosts) > 1 else {}
    if outside:
        by_rule["access-location-scattered"] = 1
    if len(licenses) > 1:
        by_rule["mixed-licensing"] = 1
    print(
        json.dumps(
            {"rows": rows, "by_rule": by_rule, "hosts": len(hosts), "licenses": len(licenses),
             "query_seconds": round(elapsed, 3)}
        )
    )


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    pp = sub.add_parser("prepare")
    pp.add_argument("manifest")
    pp.add_argument("--dpg-audit", required=True)
    pp.add_argument("--lookup", required=True)
    pr = sub.add_parser("run")
    pr.add_argument("manifest")
    pr.add_argument("--lookup", required=True)
    pr.add_argument("--findings", required=True)
    pr.add_argument("--threads", type=int, default=2)
    pr.add_argument("--home")
    pr.add_argument("--mirror", action="append", default=[])
    pr.add_argument("--no-duplicates", action="store_true",
                    help="skip the duplicate-id check (to see its cost; compare.sh keeps it)")
    args = p.parse_args()
    prepare(args) if args.cmd == "prepare" else run(args)


if __name__ == "__main__":
    main()
