//! The command line. Doc comments here are the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::DpgType;
use crate::manifest::Field;

/// Checks whether a data set or content collection can be recognized as a Digital Public Good:
/// every item under an acceptable open license, reachable from one location, with access
/// restrictions that do not discriminate.
#[derive(Debug, Parser)]
#[command(
    name = "dpg-audit",
    version = env!("DPG_AUDIT_LONG_VERSION"),
    propagate_version = true,
    after_help = EXIT_CODES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The exit codes, shown under `--help` of the tool and of `audit` (the contract's meaning).
pub const EXIT_CODES: &str = "Exit codes:
  0  eligible: verdict pass, or review with warnings only
  1  not eligible: verdict fail (or warnings with --fail-on warning); for a batch, any dataset
  2  usage, configuration or input error (the message names the file)";

#[derive(Debug, Subcommand)]
// Parsed once per run: the audit's many flags make its variant large, and boxing it buys nothing.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Audit one collection: one or more manifest files, or a folder of them.
    #[command(after_help = EXIT_CODES)]
    Audit(Box<AuditArgs>),
    /// Write a commented dpg-audit.toml for a manifest or catalog: the detected columns, the
    /// most common host as home_url, a type guess. Never overwrites without --force.
    Init(InitArgs),
    /// Print a shell completion script (e.g. `dpg-audit completions bash > ~/.local/share/bash-completion/completions/dpg-audit`).
    Completions {
        #[arg(value_enum, value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), generated from this command line: `dpg-audit man > dpg-audit.1`.
    Man,
    /// Normalize license strings to SPDX expressions (one per line on stdin when none are given).
    Normalize(NormalizeArgs),
    /// Classify access-restriction statements (one per line on stdin when none are given): the
    /// class, the reason and the words that decided it.
    Access(AccessArgs),
    /// The rules, with their documentation (`rules` alone lists them).
    Rules(RulesArgs),
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Manifest files (Parquet, CSV/TSV, NDJSON, JSON array, Arrow IPC, Excel, OpenDocument) or
    /// folders of them.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Collection config (default: dpg-audit.toml beside the first manifest).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Map a field to a column: license, license_version, license_url, url, access, id, title.
    #[arg(long = "column", value_name = "FIELD=NAME", value_parser = parse_column)]
    pub columns: Vec<(Field, String)>,

    /// DPG type of the collection (overrides the config).
    #[arg(long = "type", value_enum, value_name = "TYPE")]
    pub dpg_type: Option<DpgType>,

    /// Policy profile: dpg (default), dpg-strict, open-definition, or a path to a profile file.
    #[arg(long, value_name = "NAME|PATH")]
    pub profile: Option<String>,

    /// Report format written to stdout (colour only on a terminal, never with NO_COLOR set).
    #[arg(long, value_enum, default_value_t = Format::Terminal)]
    pub format: Format,

    /// Also write the report to PATH (repeatable), in the format its extension names (.json,
    /// .ndjson/.jsonl, .sarif, .html, .md, .xml for JUnit, .txt for terminal), or in FORMAT
    /// with FORMAT=PATH, e.g. --output sarif=audit.sarif.
    #[arg(long = "output", short = 'o', value_name = "[FORMAT=]PATH", value_parser = parse_output)]
    pub outputs: Vec<(Format, PathBuf)>,

    /// Read only this sheet of a spreadsheet manifest (.xlsx, .xls, .ods); by default every
    /// sheet that holds cells is a manifest of its own.
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,

    /// Stream every per-item finding to this file (.parquet, .csv or .ndjson, by extension).
    #[arg(long, value_name = "PATH")]
    pub findings: Option<PathBuf>,

    /// Per-item findings kept in the report (the first ones by manifest and row).
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub max_findings: usize,

    /// Exit 1 on errors only (default), or on warnings too.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,

    /// Worker threads (default: one per core). With --findings and more than one worker, one
    /// more thread writes the file in order; with one, that worker writes it.
    #[arg(long, short = 'j', default_value_t = 0, value_name = "N")]
    pub threads: usize,

    /// Rows per batch.
    #[arg(long, default_value_t = crate::audit::DEFAULT_BATCH_SIZE as u32, value_name = "ROWS",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub batch_size: u32,

    /// The longest NDJSON line or CSV record read, in bytes (see README, Limits): a longer
    /// NDJSON line is a row finding, a longer CSV record an input error naming its line.
    #[arg(long, default_value_t = crate::manifest::DEFAULT_MAX_LINE_BYTES as u64, value_name = "BYTES",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_line_bytes: u64,

    /// The largest portal metadata file read whole into memory, in bytes (see README, Limits);
    /// a larger one is an input error naming the limit. CKAN dumps stream and are not bound.
    #[arg(long, default_value_t = crate::limits::DEFAULT_MAX_METADATA_BYTES, value_name = "BYTES",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_metadata_bytes: u64,

    /// With --findings and several threads: the most bytes of findings held for row groups or
    /// batches that finished before their turn (see README, Limits). Memory stays flat whatever
    /// the row-group size.
    #[arg(long, default_value_t = crate::limits::DEFAULT_FINDINGS_BUFFER_BYTES, value_name = "BYTES",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub findings_buffer_bytes: u64,

    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,

    /// What the paths hold: item manifests, or portal/catalog metadata (detected by content
    /// when `auto`). A file or folder holding several datasets is audited as a batch.
    #[arg(long, value_enum, default_value_t = crate::portal::InputFormat::Auto, value_name = "FORMAT")]
    pub input_format: crate::portal::InputFormat,

    /// Portal URLs: requests per second to any one host.
    #[arg(long, default_value_t = 2.0, value_name = "PER_SECOND", help_heading = "Network")]
    pub rate: f64,

    /// Portal URLs: seconds to wait for a connection, for response headers, or for any one
    /// read of a body.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS", help_heading = "Network")]
    pub timeout: f64,

    /// Portal URLs: retries after a 429, a 5xx or a broken connection (exponential back-off
    /// with jitter; a Retry-After is honoured up to --max-retry-wait).
    #[arg(long, default_value_t = 4, value_name = "N", help_heading = "Network")]
    pub retries: u32,

    /// Portal URLs: the longest wait before a retry, in seconds; a server asking for longer
    /// ends the run (exit 2) rather than being asked again too soon.
    #[arg(long, default_value_t = 120.0, value_name = "SECONDS", help_heading = "Network")]
    pub max_retry_wait: f64,

    /// Portal URLs: the largest response read, in bytes (after decompression).
    #[arg(long, default_value_t = crate::http::HttpOptions::default().max_body_bytes, value_name = "BYTES",
          value_parser = clap::value_parser!(u64).range(1..), help_heading = "Network")]
    pub max_response_bytes: u64,

    /// Fetch from loopback, private and link-local addresses (intranet portals, local test
    /// servers); refused by default, whether the URL names the address or its host resolves to it.
    #[arg(long, help_heading = "Network")]
    pub allow_private_hosts: bool,

    /// Portal URLs: write the harvested metadata to DIR (new or empty), so that
    /// `dpg-audit audit DIR` later gives the same report offline.
    #[arg(long, value_name = "DIR", help_heading = "Network")]
    pub save: Option<PathBuf>,

    /// Portal URLs: keep responses in DIR with their ETag / Last-Modified; a re-run (or a
    /// harvest resumed after an interruption) sends conditional requests.
    #[arg(long, value_name = "DIR", help_heading = "Network")]
    pub cache: Option<PathBuf>,
    /// Check each distinct access URL (HEAD, or a ranged GET when HEAD is refused) and license
    /// URL (its page must name the item's license) once; problems become findings on their
    /// rows. Results are kept in the --cache folder for 7 days.
    #[arg(long, help_heading = "Network")]
    pub check_urls: bool,
}

impl AuditArgs {
    /// The HTTP client's options from the network flags.
    pub fn http_options(&self) -> Result<crate::http::HttpOptions, String> {
        let secs = |v: f64, flag: &str| {
            std::time::Duration::try_from_secs_f64(v)
                .ok()
                .filter(|d| !d.is_zero() || flag == "--max-retry-wait")
                .ok_or_else(|| format!("{flag} must be a positive number of seconds"))
        };
        if !self.rate.is_finite() || self.rate < 0.0 {
            return Err("--rate must be a number of requests per second (0: no limit)".into());
        }
        Ok(crate::http::HttpOptions {
            rate_per_host: self.rate,
            timeout: secs(self.timeout, "--timeout")?,
            retries: self.retries,
            max_retry_wait: secs(self.max_retry_wait, "--max-retry-wait")?,
            max_body_bytes: self.max_response_bytes,
            allow_private_hosts: self.allow_private_hosts,
            cache_dir: self.cache.clone(),
            ..crate::http::HttpOptions::default()
        })
    }
}

#[derive(Debug, Args)]
pub struct NormalizeArgs {
    /// License strings; read one per line from stdin when none are given.
    #[arg(value_name = "STRING")]
    pub strings: Vec<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = NormalizeFormat::Tsv)]
    pub format: NormalizeFormat,
}

#[derive(Debug, Args)]
pub struct AccessArgs {
    /// Access statements; read one per line from stdin when none are given.
    #[arg(value_name = "TEXT")]
    pub texts: Vec<String>,

    /// Output format: `tsv` (input, class, reason, words) or `json` (one object per line).
    #[arg(long, value_enum, default_value_t = NormalizeFormat::Tsv)]
    pub format: NormalizeFormat,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub command: Option<RulesCommand>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The manifest (or a folder of them) or catalog file to inspect.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,

    /// Where to write the config (default: dpg-audit.toml beside the manifest, where `audit`
    /// looks for it).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Replace an existing config.
    #[arg(long)]
    pub force: bool,

    /// Write the config to stdout instead of a file.
    #[arg(long)]
    pub stdout: bool,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// One line per rule: code, scope, default severity, summary.
    List,
    /// The licenses acceptable for a DPG type under a profile, and why; the ones reviewers
    /// decide, with the reason.
    Licenses {
        /// DPG type.
        #[arg(long = "type", value_enum, value_name = "TYPE", default_value = "data")]
        dpg_type: DpgType,
        /// Policy profile: a built-in name or a path to a profile file.
        #[arg(long, value_name = "NAME|PATH", default_value = "dpg")]
        profile: String,
    },
    /// A rule's full documentation: why it matters, an example, how to fix it, sources.
    Explain {
        /// Rule code, e.g. license-not-approved.
        #[arg(value_name = "CODE")]
        code: String,
    },
}

pub use crate::report::Format;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NormalizeFormat {
    Tsv,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
}

/// The report format a file extension names, for `--output PATH`.
pub fn format_for_extension(path: &std::path::Path) -> Option<Format> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "json" => Format::Json,
        "ndjson" | "jsonl" => Format::Ndjson,
        "sarif" => Format::Sarif,
        "html" | "htm" => Format::Html,
        "md" | "markdown" => Format::Markdown,
        "xml" => Format::Junit,
        "txt" | "text" | "log" => Format::Terminal,
        _ => return None,
    })
}

fn parse_output(s: &str) -> Result<(Format, PathBuf), String> {
    let names = || {
        let names: Vec<&str> = Format::value_variants().iter().map(|f| f.name()).collect();
        names.join(", ")
    };
    // FORMAT=PATH when the part before `=` names a format; otherwise the whole is a path whose
    // extension names the format (a path may itself hold `=`).
    let explicit = s
        .split_once('=')
        .and_then(|(name, path)| Format::from_str(name.trim(), true).ok().map(|format| (format, name, path)));
    let Some((format, _, path)) = explicit else {
        if let Some((name, _)) = s.split_once('=')
            && !name.contains(['/', '\\', '.'])
        {
            return Err(format!("unknown format `{name}`; expected one of: {} (or md)", names()));
        }
        let path = PathBuf::from(s);
        let format = format_for_extension(&path).ok_or_else(|| {
            format!(
                "cannot tell the report format of `{s}` from its extension (.json, .ndjson, .jsonl, .sarif, .html, .md, .xml, .txt); write FORMAT=PATH with FORMAT one of: {}",
                names()
            )
        })?;
        return Ok((format, path));
    };
    if path.is_empty() {
        return Err(format!("no path given for format `{}`", format.name()));
    }
    Ok((format, PathBuf::from(path)))
}

fn parse_column(s: &str) -> Result<(Field, String), String> {
    let (field, name) = s.split_once('=').ok_or_else(|| format!("expected FIELD=NAME, got `{s}`"))?;
    let field = Field::from_name(field.trim())
        .ok_or_else(|| format!("unknown field `{field}`; expected one of: {}", Field::names().join(", ")))?;
    if name.is_empty() {
        return Err(format!("no column name given for field `{}`", field.name()));
    }
    Ok((field, name.to_string()))
}
