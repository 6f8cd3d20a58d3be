//! Records the commit the binary is built from, for `dpg-audit --version`. Works without git (a
//! source tarball, `cargo install` from a registry): the commit is then taken from
//! `DPG_AUDIT_COMMIT` if a packager sets it, else left out.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

fn main() {
    println!("cargo:rerun-if-env-changed=DPG_AUDIT_COMMIT");
    let commit = std::env::var("DPG_AUDIT_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]));
    // Rebuild when HEAD moves: HEAD itself (a checkout), the branch's ref (a commit) and the
    // packed refs. Paths come from git, so worktrees (whose `.git` is a file) work too.
    if commit.is_some() {
        let mut paths = vec!["HEAD".to_string(), "packed-refs".to_string()];
        if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
            paths.push(branch);
        }
        // Only files that exist: cargo reruns the script on every build for a missing one
        // (a repository without packed refs has no `packed-refs`).
        for p in paths {
            if let Some(path) = git(&["rev-parse", "--git-path", &p])
                && std::path::Path::new(&path).exists()
            {
                println!("cargo:rerun-if-changed={path}");
            }
        }
    }
    let version = match commit {
        Some(c) => format!("{} (commit {c})", env!("CARGO_PKG_VERSION")),
        None => env!("CARGO_PKG_VERSION").to_string(),
    };
    println!("cargo:rustc-env=DPG_AUDIT_LONG_VERSION={version}");
}
