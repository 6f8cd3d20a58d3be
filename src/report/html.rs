//! One self-contained HTML page: verdict, criteria, license and host charts (inline SVG made
//! here), sortable and filterable tables of groups and findings, and the rule docs. It makes no
//! request at all (styles and script are inline, a Content-Security-Policy forbids the rest), so
//! it works offline and can be attached to a submission. Every string from the manifest or config
//! goes through [`escape::html`].

use std::collections::BTreeMap;
use std::io::Write;

use super::escape::html as h;
use super::{Criterion, Report, Verdict, collection_wide};

/// Bars per chart; the rest are summed into one "others" bar.
const MAX_BARS: usize = 15;
/// Characters of a chart label before it is cut (the full text is in the bar's tooltip).
const LABEL_CHARS: usize = 34;

const STYLE: &str = r#"
:root{--fail:#b42318;--review:#b54708;--pass:#067647;--info:#175cd3;--line:#d0d5dd;--muted:#475467;--bg:#f9fafb}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#101828;background:#fff}
main{max-width:1200px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 12px}
h2{font-size:18px;margin:32px 0 12px;border-bottom:1px solid var(--line);padding-bottom:4px}
.banner{border-radius:8px;padding:14px 18px;color:#fff;font-size:18px;font-weight:600}
.banner.fail{background:var(--fail)}.banner.review{background:var(--review)}.banner.pass{background:var(--pass)}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:16px 0}
dl.meta dt{color:var(--muted)}dl.meta dd{margin:0;word-break:break-all}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));gap:12px}
.card{border:1px solid var(--line);border-left:6px solid var(--line);border-radius:8px;padding:12px;background:var(--bg)}
.card.fail{border-left-color:var(--fail)}.card.review{border-left-color:var(--review)}.card.pass{border-left-color:var(--pass)}
.card h3{margin:0 0 4px;font-size:15px}.card p{margin:4px 0;color:var(--muted)}
.status{font-weight:700;text-transform:uppercase}
.status.fail{color:var(--fail)}.status.review{color:var(--review)}.status.pass{color:var(--pass)}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:16px}
figure{margin:0;border:1px solid var(--line);border-radius:8px;padding:12px}
figcaption{font-weight:600;margin-bottom:8px}
svg.chart{max-width:100%;height:auto;display:block}
svg text{font:12px system-ui,sans-serif;fill:#101828}
.controls{display:flex;gap:8px;margin:8px 0;align-items:center;flex-wrap:wrap}
.controls input{padding:6px 8px;min-width:280px;border:1px solid var(--line);border-radius:6px}
.controls select{padding:6px;border:1px solid var(--line);border-radius:6px}
table{border-collapse:collapse;width:100%;margin:8px 0}
th,td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
td{word-break:break-word}
th{background:var(--bg);cursor:pointer;user-select:none;white-space:nowrap}
th[aria-sort=ascending]::after{content:" \25B2"}th[aria-sort=descending]::after{content:" \25BC"}
td.num,th.num{text-align:right;white-space:nowrap}
td code{white-space:nowrap}
.sev{font-weight:600}.sev.error{color:var(--fail)}.sev.warning{color:var(--review)}.sev.info{color:var(--info)}.sev.waived{color:var(--muted)}
.hint{color:var(--muted);font-size:13px}
details{border:1px solid var(--line);border-radius:8px;padding:8px 12px;margin:8px 0}
details summary{cursor:pointer;font-weight:600}
code{background:var(--bg);padding:0 3px;border-radius:3px}
footer{color:var(--muted);margin-top:32px;font-size:12px}
"#;

/// Sorting (click a header; numbers sort by `data-v`) and filtering (text and severity, also from
/// the URL fragment `#severity=error&q=text`) of every table with the classes `sortable` /
/// `filterable`. Sets `data-ready` on <html> when done, which
/// the browser test checks to know the script ran without error.
const SCRIPT: &str = r#"
(function () {
  "use strict";
  function value(row, i) {
    var cell = row.cells[i];
    if (!cell) { return ""; }
    var v = cell.getAttribute("data-v");
    return v !== null ? parseFloat(v) : cell.textContent.trim().toLowerCase();
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, i) {
      th.tabIndex = 0;
      function sort() {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (o) { o.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = value(a, i), y = value(b, i);
          var r = (typeof x === "number" && typeof y === "number") ? x - y : String(x).localeCompare(String(y));
          return asc ? r : -r;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") { sort(); } });
    });
  });
  var text = document.getElementById("filter");
  var severity = document.getElementById("severity");
  var shown = document.getElementById("shown");
  function apply() {
    var q = text.value.trim().toLowerCase(), s = severity.value, n = 0;
    Array.prototype.forEach.call(document.querySelectorAll("table.filterable tbody tr"), function (tr) {
      var ok = (!s || tr.getAttribute("data-severity") === s) &&
        (!q || tr.textContent.toLowerCase().indexOf(q) !== -1);
      tr.hidden = !ok;
      if (ok && tr.parentNode.parentNode.id === "findings") { n += 1; }
    });
    shown.textContent = String(n);
  }
  text.addEventListener("input", apply);
  severity.addEventListener("change", apply);
  // A filter can be linked: report.html#severity=error&q=cc-by-nc
  var params = new URLSearchParams(window.location.hash.slice(1));
  if (params.has("q")) { text.value = params.get("q"); }
  if (params.has("severity")) { severity.value = params.get("severity"); }
  apply();
  document.documentElement.setAttribute("data-ready", "1");
})();
"#;

fn verdict_class(v: Verdict) -> &'static str {
    v.as_str()
}

/// A horizontal bar chart as inline SVG. `id` names it for the tests; labels are escaped.
fn bar_chart(
    out: &mut dyn Write,
    id: &str,
    title: &str,
    data: &BTreeMap<String, u64>,
    total: u64,
    colour: &str,
) -> std::io::Result<()> {
    let mut rows: Vec<(&str, u64)> = data.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let rest: u64 = rows.iter().skip(MAX_BARS).map(|r| r.1).sum();
    let others = format!("({} others)", rows.len().saturating_sub(MAX_BARS));
    rows.truncate(MAX_BARS);
    if rest > 0 {
        rows.push((&others, rest));
    }
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let (label_w, bar_w, row_h) = (230u64, 300u64, 24u64);
    let width = label_w + bar_w + 110;
    let height = row_h * rows.len().max(1) as u64 + 8;
    writeln!(out, "<figure><figcaption>{}</figcaption>", h(title))?;
    writeln!(
        out,
        "<svg id=\"{id}\" class=\"chart\" role=\"img\" aria-label=\"{}\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\">",
        h(title)
    )?;
    if rows.is_empty() {
        writeln!(out, "<text x=\"0\" y=\"16\">no data</text>")?;
    }
    for (i, (label, n)) in rows.iter().enumerate() {
        let y = i as u64 * row_h + 4;
        let w = (n * bar_w).div_ceil(max).max(1);
        let short: String = if label.chars().count() > LABEL_CHARS {
            label.chars().take(LABEL_CHARS - 1).chain(['…']).collect()
        } else {
            label.to_string()
        };
        let pct = if total > 0 { *n as f64 * 100.0 / total as f64 } else { 0.0 };
        writeln!(
            out,
            "<g class=\"bar\"><title>{}: {n} ({pct:.1}%)</title><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect x=\"{label_w}\" y=\"{y}\" width=\"{w}\" height=\"{}\" rx=\"3\" fill=\"{colour}\"></rect><text x=\"{}\" y=\"{}\">{n} ({pct:.1}%)</text></g>",
            h(label),
            label_w - 8,
            y + 15,
            h(&short),
            row_h - 6,
            label_w + w + 6,
            y + 15
        )?;
    }
    writeln!(out, "</svg></figure>")
}

pub fn write(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let c = &report.collection;
    let s = &report.summary;
    let title = match &c.name {
        Some(n) => format!("DPG audit — {n}"),
        None => "DPG audit".to_string(),
    };
    writeln!(out, "<!DOCTYPE html>")?;
    writeln!(out, "<html lang=\"en\">")?;
    writeln!(out, "<head>")?;
    writeln!(out, "<meta charset=\"utf-8\">")?;
    // No request may leave the page: only the inline style and script run.
    writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">"
    )?;
    writeln!(out, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")?;
    writeln!(out, "<meta name=\"generator\" content=\"{} {}\">", report.tool.name, report.tool.version)?;
    writeln!(out, "<title>{}</title>", h(&title))?;
    writeln!(out, "<style>{STYLE}</style>")?;
    writeln!(out, "</head>")?;
    writeln!(out, "<body>")?;
    writeln!(out, "<main>")?;
    writeln!(out, "<h1>{}</h1>", h(&title))?;
    writeln!(
        out,
        "<div id=\"verdict\" class=\"banner {}\" data-verdict=\"{}\">{}: {}</div>",
        verdict_class(report.verdict),
        report.verdict.as_str(),
        report.verdict.as_str().to_uppercase(),
        h(&report.headline())
    )?;
    writeln!(out, "<dl class=\"meta\">")?;
    writeln!(out, "<dt>DPG type</dt><dd>{}</dd>", c.dpg_type)?;
    writeln!(out, "<dt>Profile</dt><dd>{}</dd>", h(&c.profile))?;
    writeln!(out, "<dt>Items</dt><dd>{}</dd>", c.items)?;
    writeln!(out, "<dt>Items with errors</dt><dd>{}</dd>", s.items_with_errors)?;
    let manifests: Vec<String> = c.manifests.iter().map(|m| h(m).into_owned()).collect();
    writeln!(out, "<dt>Manifests</dt><dd>{}</dd>", manifests.join("<br>"))?;
    writeln!(out, "</dl>")?;

    writeln!(out, "<h2>DPG criteria</h2>")?;
    writeln!(out, "<div class=\"cards\" id=\"criteria\">")?;
    for crit in report.criteria() {
        let v = verdict_class(crit.verdict);
        writeln!(out, "<div class=\"card {v}\" data-criterion=\"{}\">", crit.key())?;
        writeln!(out, "<h3>{}</h3>", crit.title())?;
        writeln!(out, "<div class=\"status {v}\">{}</div>", crit.verdict.as_str())?;
        if let Some(cr) = crit.criterion {
            writeln!(out, "<p>{}</p>", h(Criterion::description(cr)))?;
        }
        let mut line = format!("{} error(s), {} warning(s)", crit.errors, crit.warnings);
        if crit.infos > 0 {
            line.push_str(&format!(", {} info", crit.infos));
        }
        if crit.waived > 0 {
            line.push_str(&format!(", {} waived", crit.waived));
        }
        writeln!(out, "<p>{line}</p>")?;
        writeln!(out, "</div>")?;
    }
    writeln!(out, "</div>")?;

    writeln!(out, "<h2>Distribution</h2>")?;
    writeln!(out, "<div class=\"charts\">")?;
    bar_chart(out, "chart-licenses", "Items per license", &s.by_license, s.items, "#2e90fa")?;
    bar_chart(out, "chart-hosts", "Items per access host", &s.by_host, s.items, "#7a5af8")?;
    writeln!(out, "</div>")?;

    writeln!(out, "<h2>Findings</h2>")?;
    writeln!(out, "<div class=\"controls\">")?;
    writeln!(
        out,
        "<input id=\"filter\" type=\"search\" placeholder=\"Filter: rule, item, license, message…\" aria-label=\"Filter findings\">"
    )?;
    writeln!(
        out,
        "<select id=\"severity\" aria-label=\"Severity\"><option value=\"\">all severities</option><option value=\"error\">error</option><option value=\"warning\">warning</option><option value=\"info\">info</option><option value=\"waived\">waived</option></select>"
    )?;
    writeln!(out, "</div>")?;

    writeln!(out, "<h3>By rule and value ({} group(s))</h3>", report.groups.len())?;
    if report.groups.is_empty() {
        writeln!(out, "<p>No findings.</p>")?;
    } else {
        writeln!(out, "<table id=\"groups\" class=\"sortable filterable\">")?;
        writeln!(
            out,
            "<thead><tr><th>Severity</th><th>Criterion</th><th>Rule</th><th>Value</th><th class=\"num\">Count</th><th>Examples</th><th>Message and fix</th></tr></thead>"
        )?;
        writeln!(out, "<tbody>")?;
        for g in &report.groups {
            let sev = if g.waived.is_some() { "waived" } else { g.severity.as_str() };
            let crit = Criterion::of(g.rule).map_or(super::OTHER_CHECKS, Criterion::title);
            let count = if collection_wide(g) { "collection".to_string() } else { super::thousands(g.count) };
            let examples: Vec<String> = g.examples.iter().map(|e| h(e).into_owned()).collect();
            write!(
                out,
                "<tr data-severity=\"{sev}\"><td class=\"sev {sev}\">{sev}</td><td>{crit}</td><td><code>{}</code></td><td>{}</td><td class=\"num\" data-v=\"{}\">{count}</td><td>{}</td><td>{}",
                h(g.rule.code()),
                h(&g.key),
                g.count,
                examples.join(", "),
                code_spans(&g.message)
            )?;
            if let Some(reason) = &g.waived {
                write!(out, "<div class=\"hint\">waived: {}</div>", h(reason))?;
            }
            if let Some(fix) = super::group_hint(g) {
                write!(out, "<div class=\"hint\">Fix: {}</div>", code_spans(fix))?;
            }
            writeln!(out, "</td></tr>")?;
        }
        writeln!(out, "</tbody></table>")?;
    }

    writeln!(
        out,
        "<h3>Findings (<span id=\"shown\">{}</span> shown of {}{})</h3>",
        report.findings.len(),
        report.findings.len(),
        if report.findings_truncated { ", truncated: raise --max-findings or use --findings" } else { "" }
    )?;
    writeln!(out, "<table id=\"findings\" class=\"sortable filterable\">")?;
    writeln!(
        out,
        "<thead><tr><th>Severity</th><th>Rule</th><th>Item</th><th>Manifest</th><th class=\"num\">Row</th><th>Value</th><th>Message</th></tr></thead>"
    )?;
    writeln!(out, "<tbody>")?;
    for f in &report.findings {
        let sev = if f.waived.is_some() { "waived" } else { f.severity.as_str() };
        let row = f.row.map(|r| r.to_string()).unwrap_or_default();
        let mut message = code_spans(&f.message);
        if let Some(e) = &f.evidence {
            message.push_str(&format!("<div class=\"hint\">evidence: {}</div>", h(e)));
        }
        writeln!(
            out,
            "<tr data-severity=\"{sev}\"><td class=\"sev {sev}\">{sev}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td class=\"num\" data-v=\"{}\">{row}</td><td>{}</td><td>{message}</td></tr>",
            h(f.rule.code()),
            h(f.item.as_deref().unwrap_or("(collection)")),
            h(f.manifest.as_deref().unwrap_or("")),
            f.row.unwrap_or(0),
            h(f.value.as_deref().unwrap_or(""))
        )?;
    }
    writeln!(out, "</tbody></table>")?;

    let docs = report.fired_rule_docs();
    if !docs.is_empty() {
        writeln!(out, "<h2>The rules that fired</h2>")?;
        writeln!(out, "<div id=\"rules\">")?;
        for d in docs {
            writeln!(out, "<details id=\"rule-{}\" open>", h(&d.code))?;
            writeln!(
                out,
                "<summary><code>{}</code> ({}, {}): {}</summary>",
                h(&d.code),
                d.severity.as_str(),
                d.scope.as_str(),
                h(d.summary.trim())
            )?;
            writeln!(out, "<p><strong>Why it matters.</strong> {}</p>", h(d.rationale.trim()))?;
            writeln!(out, "<p><strong>Example.</strong> {}</p>", h(d.example.trim()))?;
            writeln!(out, "<p><strong>How to fix.</strong> {}</p>", h(d.fix.trim()))?;
            writeln!(out, "<p><strong>References.</strong></p><ul>")?;
            for r in &d.references {
                writeln!(out, "<li>{}</li>", h(r))?;
            }
            writeln!(out, "</ul></details>")?;
        }
        writeln!(out, "</div>")?;
    }
    writeln!(out, "<footer>Generated by {} {}.</footer>", report.tool.name, report.tool.version)?;
    writeln!(out, "</main>")?;
    writeln!(out, "<script>{SCRIPT}</script>")?;
    writeln!(out, "</body>")?;
    writeln!(out, "</html>")
}

/// A message as HTML: escaped, with its `backtick` spans (the values and columns messages quote)
/// set as code rather than shown with their backticks. Unbalanced backticks are left as text.
fn code_spans(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return h(text).into_owned();
    }
    let mut out = String::with_capacity(text.len() + 16);
    for (i, part) in parts.iter().enumerate() {
        if i % 2 == 1 {
            out.push_str("<code>");
            out.push_str(&h(part));
            out.push_str("</code>");
        } else {
            out.push_str(&h(part));
        }
    }
    out
}
