//! Escaping for the text of a manifest, which is untrusted: license strings, titles, URLs and
//! restriction text reach HTML, Markdown, XML, CSV and workflow commands only through these.

use std::borrow::Cow;

/// Characters that must never reach a terminal, a log or a rendered page as themselves: C0
/// controls, DEL, C1 controls (ESC, CSI, OSC, BEL start terminal escape sequences) and the
/// Unicode bidirectional controls (U+061C, U+200E/F, U+202A..U+202E, U+2066..U+2069), which
/// reorder what is displayed ("Trojan Source" spoofing). Tab and newline are layout, handled
/// by each format.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || is_bidi(c)
}

fn is_bidi(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The one visible form of an unsafe character, in every text output: `\u{1b}`, `\u{202e}`
/// (Rust's escape syntax: readable, unambiguous, and inert everywhere).
fn push_visible(out: &mut String, c: char) {
    out.push_str(&format!("\\u{{{:x}}}", c as u32));
}

/// Untrusted text for one line of plain text (terminal, stderr, CSV cells, annotations): every
/// unsafe character, tab and newline included, shown in its visible form.
pub fn visible(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if is_unsafe(c) {
            push_visible(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Like [`visible`], but newlines and tabs stay (multi-line text: error messages).
pub fn visible_lines(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| is_unsafe(c) && c != '\n' && c != '\t') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if is_unsafe(c) && c != '\n' && c != '\t' {
            push_visible(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A serde_json formatter that writes unsafe characters as `\uXXXX` escapes (serde_json
/// escapes C0 controls itself, not DEL, C1 or bidi controls): a JSON document keeps the exact
/// text, and shows none of it raw when printed.
#[derive(Debug, Clone, Copy)]
pub struct JsonEscaping<F>(pub F);

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for JsonEscaping<F> {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if is_unsafe(c) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    write!(writer, "\\u{:04x}", u)?;
                }
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
    // Everything else as the wrapped formatter does it.
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// Writes `value` as compact JSON with [`JsonEscaping`].
pub fn json_to_writer<W: std::io::Write, T: serde::Serialize + ?Sized>(
    out: W,
    value: &T,
) -> serde_json::Result<()> {
    let mut ser =
        serde_json::Serializer::with_formatter(out, JsonEscaping(serde_json::ser::CompactFormatter));
    value.serialize(&mut ser)
}

/// Writes `value` as indented JSON with [`JsonEscaping`].
pub fn json_to_writer_pretty<W: std::io::Write, T: serde::Serialize + ?Sized>(
    out: W,
    value: &T,
) -> serde_json::Result<()> {
    let mut ser =
        serde_json::Serializer::with_formatter(out, JsonEscaping(serde_json::ser::PrettyFormatter::new()));
    value.serialize(&mut ser)
}

/// Text for HTML element content and quoted attribute values: `&`, `<`, `>`, `"` and `'` become
/// entities, so a `<script>` in a license string stays text and no attribute can be closed.
/// Control characters other than tab/newline are dropped (they are invalid in HTML).
pub fn html(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| matches!(c, '&' | '<' | '>' | '"' | '\'') || is_bad_control(c) || is_bidi(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if is_bad_control(c) || is_bidi(c) => push_visible(&mut out, c),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Text for XML 1.0 content and attributes: like [`html`] (`&apos;` is not needed: `&#39;` is
/// valid XML), and characters XML 1.0 forbids (most controls, lone surrogates cannot occur in
/// `str`, U+FFFE/U+FFFF) are dropped. Newlines in attributes are kept as `&#10;`.
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if is_unsafe(c) => push_visible(&mut out, c),
            c if xml_forbidden(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Text for XML element content, where newlines stay literal (readable in CI logs).
pub fn xml_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\t' => out.push(c),
            '\r' => {}
            c if is_unsafe(c) => push_visible(&mut out, c),
            c if xml_forbidden(c) => {}
            c => out.push(c),
        }
    }
    out
}

fn xml_forbidden(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}')
}

fn is_bad_control(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// Untrusted text for Markdown (GitHub-flavoured), inline and inside table cells: HTML is
/// neutralized with entities (GitHub renders raw HTML in comments), Markdown punctuation that
/// could start emphasis, strike-through, links or images (`[`), code or break a table is
/// backslash-escaped, and line breaks become spaces so a value cannot start a heading, a list or
/// a block quote, or end a table row. (`(`, `!`, `#` need no escape once `[` and line starts
/// are taken care of, and stay readable.)
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            // Shown as `\u{..}`; its backslash escaped for Markdown.
            c if is_unsafe(c) => {
                out.push('\\');
                push_visible(&mut out, c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A CSV cell that a spreadsheet would run as a formula (leading `=`, `+`, `-`, `@`, or a tab or
/// carriage return before one of them) gets a leading `'`, which spreadsheets show as text. The
/// OWASP "CSV injection" advice; other cells are returned unchanged.
pub fn neutralize_csv_cell(s: &str) -> Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// A message of a GitHub Actions workflow command (`::error ...::MESSAGE`).
pub fn github_message(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            '\t' => out.push('\t'),
            c if is_unsafe(c) => push_visible(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

/// A property value of a workflow command (`file=`, `title=`): also `:` and `,`, which would end
/// the property.
pub fn github_property(s: &str) -> String {
    github_message(s).replace(':', "%3A").replace(',', "%2C")
}

/// A relative path as a URI reference (SARIF `artifactLocation.uri`): `\` becomes `/`, and
/// anything but unreserved characters and `/` is percent-encoded.
pub fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "<script>alert('x')</script> & \"q\" <img src=x onerror=alert(1)>";

    #[test]
    fn html_leaves_no_markup() {
        let e = html(HOSTILE);
        assert!(!e.contains('<') && !e.contains('>') && !e.contains('"') && !e.contains('\''), "{e}");
        assert!(e.starts_with("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"));
        assert!(matches!(html("CC-BY-4.0"), Cow::Borrowed(_)));
        assert_eq!(html("a\u{7}b\u{1b}[31m\u{202e}"), "a\\u{7}b\\u{1b}[31m\\u{202e}");
    }

    #[test]
    fn xml_drops_invalid_characters() {
        assert_eq!(xml("a\u{0}b\u{1b}c\u{FFFF}<\n"), "a\\u{0}b\\u{1b}c&lt;&#10;");
        assert_eq!(xml_text("a\u{0}<b>\n&"), "a\\u{0}&lt;b&gt;\n&amp;");
    }

    #[test]
    fn markdown_neutralizes_html_links_and_tables() {
        let e = markdown("<script>x</script> [click](javascript:alert(1)) | *b* `c`\n# h");
        assert!(!e.contains('<') && !e.contains('\n'), "{e}");
        assert!(e.contains("\\[click\\](javascript:alert(1))"), "{e}");
        assert!(e.contains("\\|") && e.contains("\\*b\\*") && e.contains("\\`c\\`") && e.ends_with("` # h"));
        assert_eq!(markdown("CC-BY-4.0"), "CC-BY-4.0");
    }

    #[test]
    fn csv_formulas_are_neutralized() {
        for cell in ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"] {
            let n = neutralize_csv_cell(cell);
            assert_eq!(n, format!("'{cell}"), "{cell}");
        }
        for cell in ["CC-BY-4.0", "", "a=b", " =1", "'=1"] {
            assert!(matches!(neutralize_csv_cell(cell), Cow::Borrowed(c) if c == cell), "{cell}");
        }
    }

    #[test]
    fn unsafe_characters_are_shown_escaped_everywhere() {
        let evil = "MIT\u{1b}]0;pwned\u{7}\u{9b}31m\u{202e}gnp.exe\u{7f}";
        for out in [
            visible(evil).into_owned(),
            html(evil).into_owned(),
            xml(evil),
            xml_text(evil),
            markdown(evil),
            github_message(evil),
        ] {
            assert!(!out.chars().any(is_unsafe), "{out:?}");
            assert!(out.contains("u{202e}") && out.contains("u{1b}"), "{out:?}");
        }
        assert_eq!(visible("a\tb\n"), "a\\u{9}b\\u{a}");
        assert_eq!(visible_lines("a\tb\n\u{1b}"), "a\tb\n\\u{1b}");
        let mut json = Vec::new();
        json_to_writer(&mut json, &serde_json::json!({"k": evil})).expect("json");
        let text = String::from_utf8(json).expect("utf8");
        assert!(!text.chars().any(is_unsafe), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).expect("parse");
        assert_eq!(back["k"], evil, "JSON keeps the text");
        assert!(text.contains("\\u202e") && text.contains("\\u009b"), "{text}");
    }

    #[test]
    fn github_commands_cannot_be_split() {
        assert_eq!(github_message("50% done\r\n::error::x"), "50%25 done%0D%0A::error::x");
        assert_eq!(github_property("a,b:c\n"), "a%2Cb%3Ac%0A");
    }

    #[test]
    fn uri_paths_are_encoded() {
        assert_eq!(uri_path("sample-data/a b/items.csv"), "sample-data/a%20b/items.csv");
        assert_eq!(uri_path("dir\\x#1.csv"), "dir/x%231.csv");
        assert_eq!(uri_path("é.csv"), "%C3%A9.csv");
    }
}
