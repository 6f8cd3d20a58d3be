//! CKAN: `package_search` paged with `rows`/`start` to the portal's `count`.

use std::collections::HashSet;
use std::path::PathBuf;

use serde_json::Value;
use url::Url;

use super::{Event, Harvest, SaveFile, save_name};
use crate::error::{Error, Result};
use crate::portal::ckan::{package, partial_page};

/// Packages per page unless the URL says otherwise: CKAN's usual maximum for `rows`.
const ROWS: u64 = 1000;

/// The `package_search` endpoint of a URL: the URL itself when it is one (its `q`, `fq`, `sort`
/// ... kept), else the action API under the site root the URL names.
fn endpoint(url: &Url) -> Url {
    let path = url.path();
    if path.ends_with("/action/package_search") {
        return url.clone();
    }
    let mut root = url.clone();
    root.set_query(None);
    root.set_fragment(None);
    if !root.path().ends_with('/') {
        let p = format!("{}/", root.path());
        root.set_path(&p);
    }
    root.join("api/3/action/package_search").unwrap_or(root)
}

/// The page starting at `start`: the endpoint's parameters but `rows` and `start`. Without a
/// `sort`, pages are sorted by id so that paging is stable while the index is unchanged.
fn page_url(endpoint: &Url, rows: u64, start: u64) -> Url {
    let kept: Vec<(String, String)> = endpoint
        .query_pairs()
        .filter(|(k, _)| k != "rows" && k != "start")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut u = endpoint.clone();
    {
        let mut q = u.query_pairs_mut();
        q.clear();
        for (k, v) in &kept {
            q.append_pair(k, v);
        }
        if !kept.iter().any(|(k, _)| k == "sort") {
            q.append_pair("sort", "id asc");
        }
        q.append_pair("rows", &rows.to_string());
        q.append_pair("start", &start.to_string());
    }
    u
}

fn param(url: &Url, name: &str) -> Option<u64> {
    url.query_pairs().find(|(k, _)| k == name).and_then(|(_, v)| v.trim().parse().ok())
}

pub(super) fn harvest(h: &Harvest, each: &mut dyn FnMut(Event<'_>) -> bool) -> Result<()> {
    let endpoint = endpoint(&h.url);
    let rows = param(&endpoint, "rows").filter(|r| *r > 0).unwrap_or(ROWS);
    let mut start = param(&endpoint, "start").unwrap_or(0);
    let path = match &h.save {
        Some(dir) => dir.join(save_name("ckan", &endpoint, "json")),
        None => PathBuf::from(endpoint.as_str()),
    };
    let mut save = match &h.save {
        Some(_) => {
            let mut f = SaveFile::create(path.clone())?;
            let head = serde_json::json!(endpoint.as_str());
            f.write(format!("{{\"help\":{head},\"success\":true,\"result\":{{\"results\":[\n").as_bytes())?;
            Some(f)
        }
        None => None,
    };
    if !each(Event::File(&path)) {
        if let Some(f) = save {
            f.abandon();
        }
        return Ok(());
    }
    let progress = crate::progress::Harvesting::new(h.progress);
    let mut seen_ids: HashSet<String> = HashSet::new();
    let mut position = 0usize;
    let mut count: Option<u64> = None;
    let mut duplicates = 0u64;
    loop {
        let url = page_url(&endpoint, rows, start);
        let page = h.get(&url)?;
        let value: Value = serde_json::from_slice(&page.body).map_err(|e| {
            Error::http(
                url.as_str(),
                Some(page.status),
                format!("not a CKAN API answer: not valid JSON ({e})"),
            )
        })?;
        if value.get("success") == Some(&Value::Bool(false)) {
            let why = value.get("error").map_or_else(|| "no error given".to_string(), Value::to_string);
            return Err(Error::http(
                url.as_str(),
                Some(page.status),
                format!("the CKAN API answered success: false ({why})"),
            ));
        }
        let result = value.get("result");
        let Some(results) = result.and_then(|r| r.get("results")).and_then(Value::as_array) else {
            return Err(Error::http(
                url.as_str(),
                Some(page.status),
                "not a CKAN package_search answer (no result.results list); pass --input-format if this is another API",
            ));
        };
        if let Some(c) = result.and_then(|r| r.get("count")).and_then(Value::as_u64) {
            count = Some(c);
            progress.set_total(c.saturating_sub(param(&endpoint, "start").unwrap_or(0)));
        }
        for p in results {
            // A package added while paging shifts the pages: one seen already is not audited twice.
            if let Some(id) = p.get("id").and_then(Value::as_str)
                && !seen_ids.insert(id.to_string())
            {
                duplicates += 1;
                continue;
            }
            if let Some(f) = save.as_mut() {
                if position > 0 {
                    f.write(b",\n")?;
                }
                let json = serde_json::to_vec(p)
                    .map_err(|e| Error::internal(format!("re-encoding a package: {e}")))?;
                f.write(&json)?;
            }
            let entry = package(&path, position, p);
            position += 1;
            if !each(Event::Entry(entry)) {
                if let Some(f) = save {
                    f.abandon();
                }
                return Ok(());
            }
        }
        progress.page(position as u64);
        start += results.len() as u64;
        if results.is_empty() || count.is_some_and(|c| start >= c) {
            break;
        }
    }
    progress.finish();
    if let Some(mut f) = save {
        let tail = match count {
            Some(c) => format!("\n],\"count\":{c}}}}}\n"),
            None => "\n]}}\n".to_string(),
        };
        f.write(tail.as_bytes())?;
        f.finish()?;
    }
    let mut notes: Vec<String> = count.and_then(|c| partial_page(position, c)).into_iter().collect();
    if duplicates > 0 {
        notes.push(format!(
            "{duplicates} package(s) came twice while paging (the portal changed during the harvest); each was audited once"
        ));
    }
    each(Event::End(notes));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn endpoints_and_pages() {
        assert_eq!(
            endpoint(&u("https://demo.ckan.org")).as_str(),
            "https://demo.ckan.org/api/3/action/package_search"
        );
        assert_eq!(
            endpoint(&u("https://x.org/data/")).as_str(),
            "https://x.org/data/api/3/action/package_search"
        );
        let e = endpoint(&u("https://x.org/api/3/action/package_search?q=water&fq=tags:a&rows=50&start=10"));
        assert_eq!(param(&e, "rows"), Some(50));
        let p = page_url(&e, 50, 60);
        assert_eq!(
            p.as_str(),
            "https://x.org/api/3/action/package_search?q=water&fq=tags%3Aa&sort=id+asc&rows=50&start=60"
        );
        let sorted = page_url(&u("https://x.org/api/3/action/package_search?sort=name+desc"), 10, 0);
        assert_eq!(sorted.query(), Some("sort=name+desc&rows=10&start=0"));
    }
}
