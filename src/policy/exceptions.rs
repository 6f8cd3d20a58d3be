//! Exceptions a steward records in `dpg-audit.toml`: a rule, the items it covers (ids or glob
//! patterns) and a reason. A waived finding is still counted and shown as waived; it just stops
//! weighing in the verdict. An exception that matched nothing is reported, since a stale waiver
//! usually means the manifest changed under it.

use super::{Rule, Scope};
use crate::error::{Error, Result};

/// An exception as written in the config (raw settings live in `config`).
pub use crate::config::ExceptionConfig;

/// A checked exception. Whether it waived anything is read off the finished audit's groups
/// (see [`Exceptions::unused`]), not counted here: the policy stays immutable, and partials made
/// in other processes count their waivers in their own groups.
#[derive(Debug)]
pub struct Exception {
    pub rule: Rule,
    pub items: Vec<String>,
    pub reason: String,
}

/// Every exception of the collection.
#[derive(Debug, Default)]
pub struct Exceptions {
    list: Vec<Exception>,
    /// Bit per rule that has any exception, so rules without one cost nothing per finding.
    rules: u32,
}

impl Exceptions {
    /// Checks the config's exceptions; a mistake is a config error naming the entry and key.
    pub fn from_config(path: &std::path::Path, entries: &[ExceptionConfig]) -> Result<Exceptions> {
        let mut out = Exceptions::default();
        for (i, e) in entries.iter().enumerate() {
            let at = format!("exceptions[{i}]");
            let rule = Rule::from_code(e.rule.trim()).ok_or_else(|| {
                Error::config(
                    path,
                    format!("{at}.rule: unknown rule `{}` (see `dpg-audit rules list`)", e.rule),
                )
            })?;
            if e.reason.trim().is_empty() {
                return Err(Error::config(path, format!("{at}.reason: an exception needs a reason")));
            }
            let scope = rule.doc().map(|d| d.scope);
            match scope {
                Some(Scope::Item) if e.items.is_empty() => {
                    return Err(Error::config(
                        path,
                        format!(
                            "{at}.items: `{}` judges items; list the item ids or patterns it waives",
                            rule.code()
                        ),
                    ));
                }
                Some(Scope::Collection) if !e.items.is_empty() => {
                    return Err(Error::config(
                        path,
                        format!("{at}.items: `{}` judges the whole collection; remove `items`", rule.code()),
                    ));
                }
                _ => {}
            }
            out.rules |= 1 << (rule as u32);
            out.list.push(Exception { rule, items: e.items.clone(), reason: e.reason.trim().to_string() });
        }
        Ok(out)
    }

    /// Whether any exception names `rule` (cheap; checked before building the item label).
    #[inline]
    pub fn any_for(&self, rule: Rule) -> bool {
        self.rules & (1 << (rule as u32)) != 0
    }

    /// The exception that waives `rule` for `item` (None for a collection finding), if any.
    pub fn waiver(&self, rule: Rule, item: Option<&str>) -> Option<usize> {
        if !self.any_for(rule) {
            return None;
        }
        let i = self.list.iter().position(|e| {
            e.rule == rule
                && match item {
                    None => e.items.is_empty(),
                    Some(item) => e.items.iter().any(|p| glob(p.as_bytes(), item.as_bytes())),
                }
        })?;
        Some(i)
    }

    pub fn get(&self, i: usize) -> Option<&Exception> {
        self.list.get(i)
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Exceptions that waived nothing (`used(i)` false), described for the user.
    pub fn unused(&self, used: impl Fn(usize) -> bool) -> Vec<String> {
        self.list
            .iter()
            .enumerate()
            .filter(|(i, _)| !used(*i))
            .map(|(i, e)| {
                let items =
                    if e.items.is_empty() { String::new() } else { format!(" for {}", e.items.join(", ")) };
                format!("exceptions[{i}] ({}{items}) matched no finding", e.rule.code())
            })
            .collect()
    }
}

/// `*` matches any run of characters, `?` one; everything else matches itself. Iterative with
/// one backtrack point, so hostile patterns stay linear-ish.
pub(crate) fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs() {
        for (p, t, want) in [
            ("item-17", "item-17", true),
            ("item-17", "item-170", false),
            ("item-*", "item-170", true),
            ("*-nd", "img-4-nd", true),
            ("img-?", "img-4", true),
            ("img-?", "img-42", false),
            ("*", "", true),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "axxbyy", false),
        ] {
            assert_eq!(glob(p.as_bytes(), t.as_bytes()), want, "{p} vs {t}");
        }
    }
}
