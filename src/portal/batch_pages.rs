//! A portal batch for people: `--format html` (one self-contained page) and `--format markdown`.
//!
//! A batch streams (see [`super::batch`]): each dataset's report is written as soon as it is
//! done and the summary only at the end, so both pages put every dataset first, folded
//! (`<details>`), and the summary last, linked from the top: the summary table (verdict, items,
//! top reasons, a link to the dataset's folded report) is sortable in the HTML page by a small
//! inline script; the page makes no request (a Content-Security-Policy forbids any).

use std::io::Write;

use super::batch::BatchSummary;
use crate::report::escape::{html as h, markdown as md};
use crate::report::{self, Report, Verdict};

const STYLE: &str = r#"
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#101828}
main{max-width:1200px;margin:0 auto;padding:24px}
h1{font-size:24px}h2{font-size:18px;border-bottom:1px solid #d0d5dd;padding-bottom:4px;margin-top:32px}
details{border:1px solid #d0d5dd;border-radius:6px;margin:6px 0;padding:6px 10px}
summary{cursor:pointer}
.v{display:inline-block;min-width:5em;font-weight:600;color:#fff;border-radius:4px;padding:0 6px;text-align:center}
.v.fail{background:#b42318}.v.review{background:#b54708}.v.pass{background:#067647}
table{border-collapse:collapse;width:100%;margin:8px 0}
th,td{border-bottom:1px solid #eaecf0;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f9fafb}table.sortable th{cursor:pointer}
th[aria-sort=ascending]::after{content:" \25B2"}th[aria-sort=descending]::after{content:" \25BC"}
td.n{text-align:right}
"#;

const SCRIPT: &str = r#"
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, i) {
      th.tabIndex = 0;
      function value(row) {
        var c = row.cells[i], v = c.getAttribute("data-v");
        return v !== null ? parseFloat(v) : c.textContent.trim().toLowerCase();
      }
      function sort() {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (o) { o.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = value(a), y = value(b);
          var r = (typeof x === "number" && typeof y === "number") ? x - y : String(x).localeCompare(String(y));
          return asc ? r : -r;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") { sort(); } });
    });
  });
})();
"#;

fn verdict_rank(v: Verdict) -> u8 {
    match v {
        Verdict::Pass => 0,
        Verdict::Review => 1,
        Verdict::Fail => 2,
    }
}

/// The rules that stand in a report's way, most findings first (errors before warnings).
pub fn top_rules(r: &Report, n: usize) -> Vec<String> {
    let mut groups: Vec<&report::Group> = r
        .groups
        .iter()
        .filter(|g| g.waived.is_none() && g.severity >= crate::policy::Severity::Warning)
        .collect();
    groups.sort_by(|a, b| b.severity.cmp(&a.severity).then(b.count.cmp(&a.count)));
    let mut out: Vec<String> = Vec::new();
    for g in groups {
        let code = g.rule.code().to_string();
        if !out.contains(&code) {
            out.push(code);
        }
    }
    out.truncate(n);
    out
}

pub fn html_head(out: &mut dyn Write, dpg_type: &str, profile: &str) -> std::io::Result<()> {
    let tool = report::Tool::default();
    writeln!(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">")?;
    writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">"
    )?;
    writeln!(out, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")?;
    writeln!(out, "<meta name=\"generator\" content=\"{} {}\">", tool.name, tool.version)?;
    writeln!(
        out,
        "<title>DPG audit — portal batch</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>"
    )?;
    writeln!(out, "<h1>DPG audit — portal batch</h1>")?;
    writeln!(
        out,
        "<p>Type {}, profile {}. Each dataset's report below (click to unfold); <a href=\"#summary\">the summary</a> is at the end.</p>",
        h(dpg_type),
        h(profile)
    )?;
    writeln!(out, "<h2>Datasets</h2>")
}

pub fn html_dataset(out: &mut dyn Write, n: usize, r: &Report) -> std::io::Result<()> {
    let v = r.verdict.as_str();
    let name = r.collection.name.clone().unwrap_or_else(|| r.collection.manifests.join(", "));
    writeln!(
        out,
        "<details id=\"dataset-{n}\"><summary><span class=\"v {v}\">{}</span> {n}. {} — {} item(s)</summary>",
        v.to_uppercase(),
        h(&name),
        r.collection.items
    )?;
    writeln!(out, "<p>{}</p>", h(&r.headline()))?;
    writeln!(out, "<p>Read from: {}</p>", h(&r.collection.manifests.join(", ")))?;
    if !r.groups.is_empty() {
        writeln!(
            out,
            "<table><thead><tr><th>severity</th><th>rule</th><th>key</th><th>count</th><th>message</th><th>e.g.</th></tr></thead><tbody>"
        )?;
        for g in &r.groups {
            writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
                g.severity.as_str(),
                g.rule.code(),
                h(&g.key),
                g.count,
                h(&g.message),
                h(&g.examples.join(", "))
            )?;
        }
        writeln!(out, "</tbody></table>")?;
    }
    if !r.summary.by_license.is_empty() {
        let lic: Vec<String> = r.summary.by_license.iter().map(|(l, c)| format!("{} ({c})", h(l))).collect();
        writeln!(out, "<p>Licences: {}</p>", lic.join(", "))?;
    }
    for note in &r.notes {
        writeln!(out, "<p>Note: {}</p>", h(note))?;
    }
    writeln!(out, "</details>")
}

pub fn html_summary(out: &mut dyn Write, s: &BatchSummary) -> std::io::Result<()> {
    writeln!(out, "<h2 id=\"summary\">Summary</h2>")?;
    let unreadable = if s.unreadable > 0 { format!(", {} unreadable", s.unreadable) } else { String::new() };
    writeln!(
        out,
        "<p><strong>{} of {} datasets would qualify</strong> (pass {}, review {}, fail {}{unreadable}); {} item(s) in all.</p>",
        s.qualify, s.datasets, s.pass, s.review, s.fail, s.items
    )?;
    writeln!(
        out,
        "<table class=\"sortable\" id=\"datasets\"><thead><tr><th>#</th><th>dataset</th><th>verdict</th><th>items</th><th>top reasons</th><th>source</th></tr></thead><tbody>"
    )?;
    for (i, e) in s.index.iter().enumerate() {
        let n = i + 1;
        let label = e.name.clone().or_else(|| e.id.clone()).unwrap_or_default();
        writeln!(
            out,
            "<tr><td class=\"n\" data-v=\"{n}\">{n}</td><td><a href=\"#dataset-{n}\">{}</a></td><td data-v=\"{}\"><span class=\"v {}\">{}</span></td><td class=\"n\" data-v=\"{}\">{}</td><td>{}</td><td>{}</td></tr>",
            h(&label),
            verdict_rank(e.verdict),
            e.verdict.as_str(),
            e.verdict.as_str().to_uppercase(),
            e.items,
            e.items,
            h(&e.reasons.join(", ")),
            h(&e.source)
        )?;
    }
    writeln!(out, "</tbody></table>")?;
    if !s.top_reasons.is_empty() {
        writeln!(
            out,
            "<h2>Top reasons</h2><table><thead><tr><th>rule</th><th>severity</th><th>datasets</th><th>findings</th></tr></thead><tbody>"
        )?;
        for r in &s.top_reasons {
            writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                h(&r.rule),
                r.severity.as_str(),
                r.datasets,
                r.findings
            )?;
        }
        writeln!(out, "</tbody></table>")?;
    }
    if !s.notes.is_empty() {
        writeln!(out, "<h2>Notes</h2><ul>")?;
        for n in &s.notes {
            writeln!(out, "<li>{}</li>", h(n))?;
        }
        writeln!(out, "</ul>")?;
    }
    if !s.skipped.is_empty() {
        writeln!(
            out,
            "<h2>Skipped files</h2><table><thead><tr><th>file</th><th>reason</th></tr></thead><tbody>"
        )?;
        for k in &s.skipped {
            writeln!(out, "<tr><td>{}</td><td>{}</td></tr>", h(&k.path), h(&k.reason))?;
        }
        writeln!(out, "</tbody></table>")?;
    }
    writeln!(out, "</main>\n<script>{SCRIPT}</script>\n</body>\n</html>")
}

pub fn markdown_head(out: &mut dyn Write, dpg_type: &str, profile: &str) -> std::io::Result<()> {
    writeln!(out, "# DPG audit — portal batch\n")?;
    writeln!(
        out,
        "Type {}, profile {}. Each dataset's report is folded below; [the summary](#summary) is at the end.\n",
        md(dpg_type),
        md(profile)
    )?;
    writeln!(out, "## Datasets\n")
}

pub fn markdown_dataset(out: &mut dyn Write, n: usize, r: &Report) -> std::io::Result<()> {
    let name = r.collection.name.clone().unwrap_or_else(|| r.collection.manifests.join(", "));
    writeln!(out, "<a id=\"dataset-{n}\"></a>")?;
    writeln!(
        out,
        "<details><summary>{}. {} — {} — {} item(s)</summary>\n",
        n,
        r.verdict.as_str().to_uppercase(),
        h(&name),
        r.collection.items
    )?;
    report::markdown::write(r, out)?;
    writeln!(out, "\n</details>\n")
}

pub fn markdown_summary(out: &mut dyn Write, s: &BatchSummary) -> std::io::Result<()> {
    writeln!(out, "## Summary\n")?;
    let unreadable = if s.unreadable > 0 { format!(", {} unreadable", s.unreadable) } else { String::new() };
    writeln!(
        out,
        "**{} of {} datasets would qualify** (pass {}, review {}, fail {}{unreadable}); {} item(s) in all.\n",
        s.qualify, s.datasets, s.pass, s.review, s.fail, s.items
    )?;
    writeln!(out, "| # | dataset | verdict | items | top reasons | source |")?;
    writeln!(out, "|---:|---|---|---:|---|---|")?;
    for (i, e) in s.index.iter().enumerate() {
        let n = i + 1;
        let label = e.name.clone().or_else(|| e.id.clone()).unwrap_or_default();
        let reasons: Vec<String> = e.reasons.iter().map(|r| format!("`{r}`")).collect();
        writeln!(
            out,
            "| {n} | [{}](#dataset-{n}) | {} | {} | {} | {} |",
            md(&label),
            e.verdict.as_str().to_uppercase(),
            e.items,
            reasons.join(", "),
            md(&e.source)
        )?;
    }
    writeln!(out)?;
    if !s.top_reasons.is_empty() {
        writeln!(out, "### Top reasons\n\n| rule | severity | datasets | findings |\n|---|---|---:|---:|")?;
        for r in &s.top_reasons {
            writeln!(out, "| `{}` | {} | {} | {} |", r.rule, r.severity.as_str(), r.datasets, r.findings)?;
        }
        writeln!(out)?;
    }
    if !s.notes.is_empty() {
        writeln!(out, "### Notes\n")?;
        for n in &s.notes {
            writeln!(out, "- {}", md(n))?;
        }
        writeln!(out)?;
    }
    if !s.skipped.is_empty() {
        writeln!(out, "### Skipped files\n\n| file | reason |\n|---|---|")?;
        for k in &s.skipped {
            writeln!(out, "| {} | {} |", md(&k.path), md(&k.reason))?;
        }
        writeln!(out)?;
    }
    Ok(())
}
