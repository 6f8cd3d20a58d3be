//! Access URLs: is this an absolute http(s) URL that points at a public host? Runs once per row,
//! so plain ASCII URLs are checked by a scanner that borrows from the input; anything unusual
//! (non-ASCII or percent-encoded hosts) falls back to the `url` crate's full parser.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why a URL is not a usable access location. The text is the finding's group key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlProblem {
    NotHttp,
    Relative,
    Whitespace,
    NoHost,
    BadHost,
    BadPort,
    Local,
    Private,
}

impl UrlProblem {
    pub fn describe(self) -> &'static str {
        match self {
            UrlProblem::NotHttp => "is not an http(s) URL",
            UrlProblem::Relative => "is not an absolute URL",
            UrlProblem::Whitespace => "contains whitespace or control characters",
            UrlProblem::NoHost => "has no host",
            UrlProblem::BadHost => "has an invalid host",
            UrlProblem::BadPort => "has an invalid port",
            UrlProblem::Local => "points at a local address",
            UrlProblem::Private => "points at a private network address",
        }
    }
}

/// Checks an access URL; on success returns its host (as written, not case-folded).
pub fn check(url: &str) -> Result<&str, UrlProblem> {
    check_allowing(url, false)
}

/// [`check`], with local and private hosts accepted when `allow_private` (`--allow-private-hosts`:
/// intranet portals, and the tests' own server).
pub fn check_allowing(url: &str, allow_private: bool) -> Result<&str, UrlProblem> {
    let public = |r: Result<(), UrlProblem>| match r {
        Err(UrlProblem::Local | UrlProblem::Private) if allow_private => Ok(()),
        other => other,
    };
    let url = url.trim();
    if url.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control()) {
        return Err(UrlProblem::Whitespace);
    }
    let Some(colon) = url.find(':') else { return Err(UrlProblem::Relative) };
    let scheme = &url[..colon];
    let scheme_ok = !scheme.is_empty()
        && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        && scheme.as_bytes()[0].is_ascii_alphabetic();
    if !scheme_ok {
        return Err(UrlProblem::Relative);
    }
    if !(scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")) {
        return Err(UrlProblem::NotHttp);
    }
    let Some(rest) = url[colon + 1..].strip_prefix("//") else { return Err(UrlProblem::Relative) };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
        let Some(close) = v6.find(']') else { return Err(UrlProblem::BadHost) };
        let after = &v6[close + 1..];
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p),
            None if after.is_empty() => None,
            None => return Err(UrlProblem::BadHost),
        };
        (&host_port[..close + 2], port)
    } else {
        match host_port.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        }
    };
    if let Some(port) = port
        && !port.is_empty()
        && (port.len() > 5
            || !port.bytes().all(|b| b.is_ascii_digit())
            || port.parse::<u32>().map_or(true, |p| p > 65535))
    {
        return Err(UrlProblem::BadPort);
    }
    if host.is_empty() {
        return Err(UrlProblem::NoHost);
    }
    if !host.is_ascii() || host.contains('%') {
        // IDNs and percent-encoding: let the full parser decide.
        return match url::Url::parse(url) {
            Ok(parsed) => match parsed.host_str() {
                Some(h) if !h.is_empty() => public(check_public(h)).map(|()| host),
                _ => Err(UrlProblem::NoHost),
            },
            Err(_) => Err(UrlProblem::BadHost),
        };
    }
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        let ip: Ipv6Addr = v6.parse().map_err(|_| UrlProblem::BadHost)?;
        return public(check_ip(IpAddr::V6(ip))).map(|()| host);
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let trimmed = host.strip_suffix('.').unwrap_or(host);
    if trimmed.len() > 253 || !trimmed.split('.').all(label_ok) {
        return Err(UrlProblem::BadHost);
    }
    public(check_public(trimmed)).map(|()| host)
}

/// Rejects hosts that only resolve on the steward's own machine or network.
fn check_public(host: &str) -> Result<(), UrlProblem> {
    if let Ok(ip) = host.parse::<Ipv4Addr>() {
        return check_ip(IpAddr::V4(ip));
    }
    if let Some(ip) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).and_then(|h| h.parse().ok()) {
        return check_ip(IpAddr::V6(ip));
    }
    let lower = host.to_ascii_lowercase();
    let lower = lower.trim_end_matches('.');
    if lower == "localhost" || lower.ends_with(".localhost") {
        return Err(UrlProblem::Local);
    }
    // Names reserved for private networks (RFC 6762 .local, RFC 8375 home.arpa, ICANN .internal).
    const PRIVATE_SUFFIXES: [&str; 5] = [".local", ".internal", ".lan", ".home.arpa", ".intranet"];
    if PRIVATE_SUFFIXES.iter().any(|s| lower.ends_with(s)) || !lower.contains('.') {
        return Err(UrlProblem::Private);
    }
    Ok(())
}

/// Classifies an address: loopback/unspecified are `Local`; RFC 1918, link-local, CGNAT and
/// IPv6 unique-local are `Private`. Also used on the addresses a host name resolves to.
pub fn check_ip(ip: IpAddr) -> Result<(), UrlProblem> {
    match ip {
        IpAddr::V4(v4) => {
            if v4.is_loopback() || v4.is_unspecified() {
                Err(UrlProblem::Local)
            } else if v4.is_private()
                || v4.is_link_local()
                || v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64
            {
                Err(UrlProblem::Private)
            } else {
                Ok(())
            }
        }
        IpAddr::V6(v6) => {
            if v6.is_loopback() || v6.is_unspecified() {
                Err(UrlProblem::Local)
            } else if (v6.segments()[0] & 0xfe00) == 0xfc00 || (v6.segments()[0] & 0xffc0) == 0xfe80 {
                Err(UrlProblem::Private)
            } else if let Some(v4) = v6.to_ipv4_mapped() {
                check_ip(IpAddr::V4(v4))
            } else {
                Ok(())
            }
        }
    }
}

/// [`check`] with a memory of the last authority. Items of one host come in long runs, so most
/// rows skip host validation (label checks, IP parsing, lowercasing). Also returns the path (what
/// follows the authority), which the home-URL check needs. The verdict is the same as
/// [`check`]'s: only `http://` / `https://` URLs with a plain ASCII authority are remembered, and
/// for those [`check`] looks at nothing past the authority but the whitespace scan done here.
#[derive(Debug, Default)]
pub struct UrlMemo {
    authority: String,
    /// The host's byte range within `authority`, or the problem.
    verdict: Option<Result<std::ops::Range<usize>, UrlProblem>>,
    /// Local and private hosts are accepted (`--allow-private-hosts`).
    pub allow_private: bool,
}

impl UrlMemo {
    /// A memo that accepts local and private hosts when `allow_private`.
    pub fn allowing(allow_private: bool) -> UrlMemo {
        UrlMemo { allow_private, ..UrlMemo::default() }
    }

    pub fn check<'u>(&mut self, url: &'u str) -> Result<(&'u str, &'u str), UrlProblem> {
        let t = url.trim();
        let Some(rest) = t.strip_prefix("https://").or_else(|| t.strip_prefix("http://")) else {
            return check_allowing(url, self.allow_private).map(|host| (host, path_after_authority(t)));
        };
        if has_space_or_control(t.as_bytes()) {
            return Err(UrlProblem::Whitespace);
        }
        let end = rest.bytes().position(|b| matches!(b, b'/' | b'?' | b'#')).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(end);
        if let Some(verdict) = &self.verdict
            && self.authority == authority
        {
            return verdict.clone().map(|r| (&authority[r], path));
        }
        let result = check_allowing(t, self.allow_private);
        if authority.is_ascii() && !authority.contains('%') {
            // The host's place inside the authority; remembered only when it really lies there.
            let start = authority.as_ptr() as usize;
            let range = |host: &str| {
                let from = (host.as_ptr() as usize).checked_sub(start)?;
                let to = from.checked_add(host.len())?;
                (to <= authority.len()).then_some(from..to)
            };
            let verdict = match result {
                Ok(host) => range(host).map(Ok),
                Err(p) => Some(Err(p)),
            };
            if let Some(verdict) = verdict {
                self.authority.clear();
                self.authority.push_str(authority);
                self.verdict = Some(verdict);
            }
        }
        result.map(|host| (host, path))
    }
}

/// A URL prefix (scheme, authority and path up to a `/`) already judged valid, with its host
/// and whether the collection's locations cover every URL under it. Item URLs mostly differ only
/// after the last `/` ("https://data.example.org/items/<id>"), so most rows are settled by one
/// prefix comparison and a scan of the rest for whitespace, which is all [`check`] would look
/// at beyond the authority.
#[derive(Debug, Clone)]
pub struct UrlPrefix {
    prefix: String,
    pub covered: bool,
}

impl UrlPrefix {
    /// The prefix of `url` (as found in the manifest, already valid with `host` and `path` from
    /// [`UrlMemo::check`]), if one can stand for the URLs that share it. `covered` is
    /// [`crate::policy::collection::Locations::covers_all_under`] for the prefix's path.
    pub fn of(
        url: &str,
        host: &str,
        path: &str,
        covered: impl FnOnce(&str) -> Option<bool>,
    ) -> Option<UrlPrefix> {
        // Only plain ASCII authorities are settled by the authority alone (see UrlMemo).
        if !url.ends_with(path) {
            return None;
        }
        let authority_end = url.len() - path.len();
        let authority = url.get(..authority_end)?;
        if !authority.is_ascii() || authority.contains('%') || !host.is_ascii() || !path.starts_with('/') {
            return None;
        }
        let query = path.find(['?', '#']).unwrap_or(path.len());
        let dir = path[..query].rfind('/')? + 1;
        let covered = covered(&path[..dir])?;
        Some(UrlPrefix { prefix: url[..authority_end + dir].to_string(), covered })
    }

    /// Whether `url` (untrimmed, as in the manifest) starts with the prefix and its rest has no
    /// whitespace or control character: then it has the prefix's host and verdicts.
    #[inline]
    pub fn matches(&self, url: &str) -> bool {
        self.starts(url) && !has_space_or_control(&url.as_bytes()[self.prefix.len()..])
    }

    /// [`matches`](Self::matches) for a URL known to hold no whitespace or control character
    /// (see [`all_visible`]).
    #[inline]
    pub fn starts(&self, url: &str) -> bool {
        let (u, p) = (url.as_bytes(), self.prefix.as_bytes());
        u.len() >= p.len() && same_bytes(&u[..p.len()], p)
    }
}

/// `a == b` for slices of equal length, inline and 8 bytes at a time: a `memcmp` call per row
/// for a prefix of a few dozen bytes cost more than the comparison.
#[inline(always)]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n < 8 {
        return a == b;
    }
    let word = |s: &[u8], at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[at..at + 8]);
        u64::from_ne_bytes(w)
    };
    let mut diff = 0;
    let mut at = 0;
    while at + 8 < n {
        diff |= word(a, at) ^ word(b, at);
        at += 8;
    }
    // The last word may overlap the one before; equal bytes stay equal.
    diff |= word(a, n - 8) ^ word(b, n - 8);
    diff == 0
}

/// Whether no byte of `bytes` is whitespace or a control character (`<= b' '` or DEL). Meant
/// for a whole column's value buffer at once: blocks of 64 bytes without an early exit inside,
/// which the compiler turns into vector instructions.
pub fn all_visible(bytes: &[u8]) -> bool {
    let mut blocks = bytes.chunks_exact(64);
    let bad = |b: &u8| *b <= b' ' || *b == 0x7f;
    for block in blocks.by_ref() {
        if block.iter().fold(false, |acc, b| acc | bad(b)) {
            return false;
        }
    }
    !blocks.remainder().iter().any(bad)
}

/// Whether any byte is whitespace or a control character (`<= b' '` or DEL), eight bytes at a
/// time: this runs on the rest of every URL.
#[inline]
fn has_space_or_control(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A byte's high bit survives `(x - n) & !x` only where the byte is below n (for n <= 0x80;
    // bytes >= 0x80 have their high bit cleared by `!x`). DEL is the zero bytes of x ^ 0x7f.
    let word = |x: u64| {
        let below = x.wrapping_sub(ONES * 0x21) & !x;
        let del = x ^ (ONES * 0x7f);
        (below | (del.wrapping_sub(ONES) & !del)) & HIGH != 0
    };
    let n = bytes.len();
    if n < 8 {
        return bytes.iter().any(|&b| b <= b' ' || b == 0x7f);
    }
    let at = |i: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&bytes[i..i + 8]);
        u64::from_le_bytes(w)
    };
    let mut i = 0;
    while i + 8 < n {
        if word(at(i)) {
            return true;
        }
        i += 8;
    }
    // The last word may overlap the one before, which only looks at some bytes twice.
    word(at(n - 8))
}

/// The part of an absolute URL after its authority (`/a/b?c`), or "" when there is none.
pub fn path_after_authority(url: &str) -> &str {
    let Some(rest) = url.find("://").map(|i| &url[i + 3..]) else { return "" };
    rest.find(['/', '?', '#']).map_or("", |i| &rest[i..])
}

#[cfg(test)]
mod tests {
    use super::{UrlMemo, UrlPrefix, UrlProblem::*, check, path_after_authority, same_bytes};

    #[test]
    fn same_bytes_is_slice_equality() {
        for len in 0..=40usize {
            let a: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            assert!(same_bytes(&a, &a.clone()));
            for at in 0..len {
                let mut b = a.clone();
                b[at] ^= 0x80;
                assert!(!same_bytes(&a, &b), "len {len}, differs at {at}");
            }
            assert!(!same_bytes(&a, &[a.as_slice(), b"x"].concat()));
        }
    }

    #[test]
    fn accepts_public_http_urls() {
        for u in [
            "https://example.org/a/b?c=d#e",
            "http://data.gov.uk",
            "HTTPS://Example.ORG:8443/x",
            "https://user:pw@example.org/",
            "https://[2001:db8::1]/x",
            "https://bücher.example/x",
            "https://8.8.8.8/",
        ] {
            assert!(check(u).is_ok(), "{u}: {:?}", check(u));
        }
        assert_eq!(check("https://Example.org:80/x"), Ok("Example.org"));
    }

    #[test]
    fn rejects_what_is_not_a_public_location() {
        let cases = [
            ("ftp://example.org/x", NotHttp),
            ("s3://bucket/key", NotHttp),
            ("file:///home/me/x.csv", NotHttp),
            ("/data/x.csv", Relative),
            ("example.org/x", Relative),
            ("https:/example.org", Relative),
            ("https://exa mple.org", Whitespace),
            ("https:///path", NoHost),
            ("https://example.org:99999/", BadPort),
            ("https://exa$mple.org/", BadHost),
            ("http://localhost:8000/x", Local),
            ("http://127.0.0.1/x", Local),
            ("http://[::1]/x", Local),
            ("http://10.1.2.3/x", Private),
            ("http://192.168.0.10/x", Private),
            ("http://172.20.0.1/x", Private),
            ("http://fileserver/x", Private),
            ("http://nas.local/x", Private),
            ("http://[fe80::1]/x", Private),
        ];
        for (u, want) in cases {
            assert_eq!(check(u), Err(want), "{u}");
        }
    }

    #[test]
    fn a_prefix_stands_only_for_urls_check_would_judge_alike() {
        let url = "https://data.example.org/items/a1";
        let (host, path) = UrlMemo::default().check(url).unwrap_or_else(|e| panic!("{e:?}"));
        let p = UrlPrefix::of(url, host, path, |dir| {
            assert_eq!(dir, "/items/");
            Some(true)
        })
        .unwrap_or_else(|| panic!("no prefix"));
        for (u, same) in [
            ("https://data.example.org/items/b2", true),
            ("https://data.example.org/items/", true),
            ("https://data.example.org/items/x?q=1#f", true),
            ("https://data.example.org/items/with space", false),
            ("https://data.example.org/items/tab\t", false),
            ("https://data.example.org/items/b2 ", false),
            (" https://data.example.org/items/b2", false),
            ("https://data.example.org/other/b2", false),
            ("https://data.example.org.evil/items/b2", false),
            ("https://DATA.example.org/items/b2", false),
        ] {
            assert_eq!(p.matches(u), same, "{u}");
            if same {
                assert_eq!(check(u), Ok("data.example.org"), "{u}");
            }
        }
        // No prefix when the path does not start with `/`, for non-ASCII or %-encoded
        // authorities, or when the rest of the path decides coverage.
        for u in ["https://data.example.org", "https://bücher.example/x/y", "https://exa%6dple.org/p/q"] {
            if let Ok((h, path)) = UrlMemo::default().check(u) {
                assert!(UrlPrefix::of(u, h, path, |_| Some(false)).is_none(), "{u}");
            }
        }
        assert!(UrlPrefix::of(url, host, path, |_| None).is_none());
    }

    #[test]
    fn the_word_scan_finds_every_space_and_control_byte() {
        // Every byte value at every position of runs shorter than a word, of whole words, and
        // with an overlapping last word; the block scan over lengths around its 64-byte blocks.
        for len in [1, 7, 8, 9, 16, 19, 63, 64, 65, 130] {
            for b in 0..=255u8 {
                for at in 0..len {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = b;
                    let want = b <= b' ' || b == 0x7f;
                    assert_eq!(super::has_space_or_control(&bytes), want, "byte {b:#x} at {at} of {len}");
                    assert_eq!(super::all_visible(&bytes), !want, "byte {b:#x} at {at} of {len}");
                }
            }
        }
        assert!(!super::has_space_or_control(b""));
        assert!(super::all_visible(b""));
        assert!(!super::has_space_or_control("ünïcödé/путь/€".as_bytes()));
        assert!(super::all_visible("ünïcödé/путь/€".as_bytes()));
    }

    #[test]
    fn the_memo_agrees_with_check() {
        let urls = [
            "https://data.example.org/a/1",
            "https://data.example.org/a/2?x=1",
            "https://data.example.org",
            "https://DATA.example.org/b",
            "http://user@data.example.org:8080/c",
            "http://data.example.org:99999/c",
            "https://localhost/x",
            "https://localhost/y",
            "https://10.0.0.1/z",
            "https://[::1]/v6",
            "https://[2001:db8::1]:443/v6",
            "https://bücher.example/книги",
            "https://bücher.example/other",
            "https://data.example.org/with space",
            "ftp://data.example.org/f",
            "/relative/path",
            "  https://data.example.org/trimmed  ",
            "https://exa%6dple.org/p",
            "https:///nohost",
            "https://bad_host!.org/x",
        ];
        let mut memo = UrlMemo::default();
        for round in 0..2 {
            for u in urls {
                let want = check(u).map(|h| (h, path_after_authority(u.trim())));
                assert_eq!(memo.check(u), want, "{u} (round {round})");
            }
        }
    }
}
