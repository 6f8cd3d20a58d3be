//! Thin: parse the command line, call the library, map the outcome to an exit code
//! (0 eligible, 1 not eligible, 2 usage/config/input error).

use std::io::{BufRead, Write};
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use dpg_audit::cli::{
    AccessArgs, AuditArgs, Cli, Command, FailOn, Format, NormalizeArgs, NormalizeFormat, RulesArgs,
    RulesCommand,
};
use dpg_audit::policy::rules::{self, Rule};
use dpg_audit::portal::batch::{BatchFormat, BatchOutputs, Outcome};
use dpg_audit::report::{self, Verdict};

fn main() -> ExitCode {
    let cli = Cli::parse();
    remove_outputs_on_signal();
    dpg_audit::guard::install_quiet_hook();
    let outcome = match cli.command {
        Command::Audit(args) => audit(*args),
        Command::Normalize(args) => normalize(args),
        Command::Access(args) => access(args),
        Command::Rules(args) => rules_cmd(args),
        Command::Init(args) => init(args),
        Command::Completions { shell } => {
            let mut out = std::io::stdout();
            clap_complete::generate(shell, &mut Cli::command(), "dpg-audit", &mut out);
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => man(),
    };
    match outcome {
        Ok(code) => code,
        Err(message) => {
            // Messages quote file content (CSV header names, values): shown escaped.
            eprintln!("dpg-audit: error: {}", report::escape::visible_lines(&message));
            ExitCode::from(2)
        }
    }
}

/// SIGINT/SIGTERM: the temporary files of outputs not yet complete are removed (nothing else is
/// touched), then the process ends as the signal would have ended it (128 + its number).
fn remove_outputs_on_signal() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else { return };
    let _ = std::thread::Builder::new().name("dpg-audit-signals".into()).spawn(move || {
        if let Some(signal) = signals.forever().next() {
            dpg_audit::output::remove_staged();
            std::process::exit(128 + signal);
        }
    });
}

fn audit(args: AuditArgs) -> Result<ExitCode, String> {
    // Outputs that are inputs (or each other) are refused before anything is opened for writing.
    let mut inputs: Vec<&std::path::Path> = args.paths.iter().map(|p| p.as_path()).collect();
    inputs.extend(args.config.as_deref());
    let mut outputs: Vec<(&str, &std::path::Path)> =
        args.outputs.iter().map(|(_, p)| ("--output", p.as_path())).collect();
    outputs.extend(args.findings.as_deref().map(|p| ("--findings", p)));
    dpg_audit::output::check_outputs(&inputs, &outputs).map_err(|e| e.to_string())?;
    dpg_audit::limits::set_max_metadata_bytes(args.max_metadata_bytes);
    dpg_audit::limits::set_findings_buffer_bytes(args.findings_buffer_bytes);
    // `-` and pipes are copied to temporary files first, so no reader loses a byte of them.
    let http = args.http_options()?;
    // Manifests given as URLs are fetched while inputs are prepared: the client first.
    if args.check_urls || args.paths.iter().any(|p| dpg_audit::remote::is_url(p)) {
        dpg_audit::remote::install(http.clone()).map_err(|e| e.to_string())?;
    }
    let prepared = dpg_audit::input::prepare(&args.paths).map_err(|e| e.to_string())?;
    let opts = dpg_audit::AuditOptions {
        paths: prepared.paths.clone(),
        config: args.config,
        columns: args.columns,
        dpg_type: args.dpg_type,
        profile: args.profile,
        threads: args.threads,
        batch_size: args.batch_size as usize,
        max_findings: args.max_findings,
        progress: !args.quiet,
        findings: args.findings,
        sheet: args.sheet,
        max_line_bytes: usize::try_from(args.max_line_bytes).unwrap_or(usize::MAX),
        http,
        save: args.save.clone(),
        check_urls: args.check_urls,
    };
    // Portal/catalog metadata (CKAN, DCAT, cards, ...) instead of a manifest. A batch writes its
    // reports as its datasets are done, to the outputs opened here once it is known to be one.
    let (format, outputs) = (args.format, &args.outputs);
    // A batch's files are written to temporary files, moved into place when the batch is done.
    let mut staged = Vec::new();
    let mut open = |datasets: usize| open_batch_outputs(format, outputs, datasets, &mut staged);
    let outcome =
        dpg_audit::portal::batch::run(&opts, args.input_format, &mut open).map_err(|e| e.to_string())?;
    for s in staged {
        let dest = s.dest().to_path_buf();
        s.commit().map_err(|e| format!("{}: cannot write the report: {e}", dest.display()))?;
    }
    let report = match outcome {
        None => dpg_audit::run(&opts).map_err(|e| e.to_string())?,
        Some(Outcome::Single(report)) => *report,
        Some(Outcome::Batch(summary)) => {
            let fail = summary.index.iter().any(|i| match i.verdict {
                Verdict::Fail => true,
                Verdict::Review => args.fail_on == FailOn::Warning,
                Verdict::Pass => false,
            });
            return Ok(if fail { ExitCode::from(1) } else { ExitCode::SUCCESS });
        }
    };
    // Files first: a path that cannot be written is an error (exit 2) naming it.
    for (format, path) in &args.outputs {
        write_file(*format, &report, path)
            .map_err(|e| format!("{}: cannot write the report: {e}", path.display()))?;
    }
    let stdout = std::io::stdout();
    let colour = args.format == Format::Terminal && report::terminal::colour_for_stdout();
    // Stdout alone is line-buffered: a JSON report of 1000 findings was ~10,500 write calls.
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = report::render(args.format, &report, &mut out, colour);
    if let Err(e) = written.and_then(|()| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(format!("cannot write the report: {e}"));
    }
    let fail = match report.verdict {
        Verdict::Fail => true,
        Verdict::Review => args.fail_on == FailOn::Warning,
        Verdict::Pass => false,
    };
    Ok(if fail { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Writes one report file (in place only once whole); never in colour.
fn write_file(format: Format, report: &report::Report, path: &std::path::Path) -> std::io::Result<()> {
    dpg_audit::output::write_file(path, |out| report::render(format, report, out, false))
}

/// Where a portal batch is written: stdout in `format` and each `--output` file. A format a batch
/// cannot be written in is refused before anything is audited.
fn open_batch_outputs(
    format: Format,
    outputs: &[(Format, std::path::PathBuf)],
    files: usize,
    staged: &mut Vec<dpg_audit::output::Staged>,
) -> dpg_audit::Result<BatchOutputs> {
    let batch_format = |format: Format| match format {
        Format::Terminal => Ok(BatchFormat::Terminal),
        Format::Json => Ok(BatchFormat::Json),
        Format::Ndjson => Ok(BatchFormat::Ndjson),
        Format::Html => Ok(BatchFormat::Html),
        Format::Markdown => Ok(BatchFormat::Markdown),
        _ => Err(dpg_audit::Error::usage(format!(
            "these {files} metadata file(s) hold several datasets; a batch report is written as: {}",
            dpg_audit::portal::batch::BATCH_FORMATS
        ))),
    };
    let stdout = std::io::BufWriter::with_capacity(1 << 16, StdoutIgnoringBrokenPipe);
    let mut out: BatchOutputs = vec![(batch_format(format)?, Box::new(stdout))];
    for (f, path) in outputs {
        let f = batch_format(*f)?;
        let (s, file) =
            dpg_audit::output::Staged::create(path).map_err(|e| dpg_audit::Error::io(path, &e))?;
        staged.push(s);
        out.push((f, Box::new(std::io::BufWriter::new(file))));
    }
    Ok(out)
}

/// Stdout for a batch report: buffered, and a reader that went away (`| head`) ends the output
/// quietly rather than the run with an error.
struct StdoutIgnoringBrokenPipe;

impl Write for StdoutIgnoringBrokenPipe {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match std::io::stdout().lock().write(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(buf.len()),
            other => other,
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match std::io::stdout().lock().flush() {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other,
        }
    }
}

fn rules_cmd(args: RulesArgs) -> Result<ExitCode, String> {
    let docs = rules::docs()?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = match args.command.unwrap_or(RulesCommand::List) {
        RulesCommand::List => rules::write_list(&mut out, docs),
        RulesCommand::Licenses { dpg_type, profile } => {
            let profile = dpg_audit::policy::profile::Profile::load(&profile).map_err(|e| e.to_string())?;
            let list = dpg_audit::policy::licenses::acceptable(dpg_type, &profile)?;
            write_licenses(&mut out, dpg_type, &profile, &list)
        }
        RulesCommand::Explain { code } => {
            let rule = Rule::lookup(&code)?;
            let doc = rule.doc().ok_or_else(|| format!("no documentation for rule `{}`", rule.code()))?;
            rules::write_explain(&mut out, doc)
        }
    };
    match written.and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(format!("cannot write output: {e}")),
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// `rules licenses`: what is accepted for a type under a profile and why, then what reviewers
/// decide; anything else is `license-not-approved`.
fn write_licenses(
    out: &mut dyn Write,
    dpg_type: dpg_audit::config::DpgType,
    profile: &dpg_audit::policy::profile::Profile,
    list: &dpg_audit::policy::licenses::Acceptable,
) -> std::io::Result<()> {
    writeln!(out, "Licenses for DPG type {} under profile {}", dpg_type.as_str(), profile.name)?;
    writeln!(out, "(`*` matches any run of characters, `?` one character)")?;
    writeln!(out)?;
    let width = list.approved.iter().chain(&list.review).map(|(id, _)| id.len()).max().unwrap_or(0);
    writeln!(out, "Approved ({}):", list.approved.len() + usize::from(list.osi_approved))?;
    // Ids from one source share a heading: the source is said once.
    let mut last: Option<&str> = None;
    for (id, why) in &list.approved {
        if last != Some(why.as_str()) {
            writeln!(out, "  from {why}:")?;
            last = Some(why);
        }
        writeln!(out, "    {id}")?;
    }
    if list.osi_approved {
        writeln!(out, "  {:<width$}  the SPDX License List's OSI-approved flag", "any OSI-approved license")?;
    }
    writeln!(out)?;
    writeln!(out, "Reviewers decide (license-needs-review, a warning) ({}):", list.review.len())?;
    if list.review.is_empty() {
        writeln!(out, "  (none)")?;
    }
    for (id, why) in &list.review {
        writeln!(out, "  {id:<width$}  {why}")?;
    }
    writeln!(out)?;
    writeln!(out, "Any other license: license-not-approved (an error), with the reason it fails.")
}

/// `init`: inspects the input and writes a commented config beside it (or where `--config` says).
fn init(args: dpg_audit::cli::InitArgs) -> Result<ExitCode, String> {
    let text = dpg_audit::init::config_for(&args.path).map_err(|e| e.to_string())?;
    if args.stdout {
        print!("{text}");
        return Ok(ExitCode::SUCCESS);
    }
    let target = args.config.unwrap_or_else(|| dpg_audit::init::default_config_path(&args.path));
    if target.exists() && !args.force {
        return Err(format!("{}: already exists; use --force to replace it", target.display()));
    }
    std::fs::write(&target, text)
        .map_err(|e| format!("{}: cannot write the config: {e}", target.display()))?;
    eprintln!(
        "dpg-audit: wrote {}; review it, then run: dpg-audit audit {}",
        target.display(),
        args.path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `man`: the man page of the whole command line, generated from its definition.
fn man() -> Result<ExitCode, String> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = clap_mangen::Man::new(Cli::command()).render(&mut out).and_then(|()| out.flush());
    match written {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(format!("cannot write output: {e}")),
        _ => Ok(ExitCode::SUCCESS),
    }
}

fn normalize(args: NormalizeArgs) -> Result<ExitCode, String> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut emit = |input: &str| -> std::io::Result<()> {
        let n = dpg_audit::license::normalize(input);
        match args.format {
            NormalizeFormat::Tsv => {
                let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
                let status = serde_json::to_value(n.status).ok().and_then(|v| v.as_str().map(str::to_string));
                writeln!(
                    out,
                    "{}\t{}\t{}",
                    clean(input),
                    n.expression.as_deref().unwrap_or(""),
                    status.unwrap_or_default()
                )
            }
            NormalizeFormat::Json => {
                let line = NormalizeLine {
                    input,
                    expression: n.expression.as_deref(),
                    status: n.status,
                    candidates: &n.candidates,
                    via: n.via,
                };
                let json = serde_json::to_string(&line).map_err(std::io::Error::other)?;
                writeln!(out, "{json}")
            }
        }
    };
    let result = each_input(&args.strings, &mut emit);
    finish_lines(result, &mut out)
}

/// `access`: one line per statement, like `normalize`: `input<TAB>class<TAB>reason<TAB>words`
/// (words joined by `; `), or one JSON object per line.
fn access(args: AccessArgs) -> Result<ExitCode, String> {
    dpg_audit::policy::access::check_vocabulary()?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut emit = |input: &str| -> std::io::Result<()> {
        let r = dpg_audit::policy::access::read(input);
        match args.format {
            NormalizeFormat::Tsv => {
                let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
                let words: Vec<String> = r.words.iter().map(|w| clean(w)).collect();
                writeln!(out, "{}\t{}\t{}\t{}", clean(input), r.class.as_str(), r.reason, words.join("; "))
            }
            NormalizeFormat::Json => {
                let line = AccessLine { input, class: r.class.as_str(), reason: &r.reason, words: &r.words };
                let json = serde_json::to_string(&line).map_err(std::io::Error::other)?;
                writeln!(out, "{json}")
            }
        }
    };
    let result = each_input(&args.texts, &mut emit);
    finish_lines(result, &mut out)
}

/// Hands each of `args` to `emit`, or each line of stdin when there are none (a trailing `\r`
/// dropped); stops at the first write error.
fn each_input(
    args: &[String],
    emit: &mut dyn FnMut(&str) -> std::io::Result<()>,
) -> Result<std::io::Result<()>, String> {
    if !args.is_empty() {
        return Ok(args.iter().try_for_each(|s| emit(s)));
    }
    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        let line = line.map_err(|e| format!("stdin: {e}"))?;
        let written = emit(line.strip_suffix('\r').unwrap_or(&line));
        if written.is_err() {
            return Ok(written);
        }
    }
    Ok(Ok(()))
}

/// The exit of a line-per-input command: a reader that went away (`| head`) is no error.
fn finish_lines(
    result: Result<std::io::Result<()>, String>,
    out: &mut dyn Write,
) -> Result<ExitCode, String> {
    match result? {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(format!("cannot write output: {e}")),
        _ => {
            let _ = out.flush();
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// One line of `access --format json`.
#[derive(serde::Serialize)]
struct AccessLine<'a> {
    input: &'a str,
    class: &'a str,
    reason: &'a str,
    words: &'a [String],
}

/// One line of `normalize --format json`, keys in the contract's order.
#[derive(serde::Serialize)]
struct NormalizeLine<'a> {
    input: &'a str,
    expression: Option<&'a str>,
    status: dpg_audit::license::Status,
    candidates: &'a [String],
    via: &'static str,
}
