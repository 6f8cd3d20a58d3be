//! Progress on stderr, only when stderr is a terminal and the user did not ask for quiet.
//! Workers add rows as they finish batches. When every manifest is Parquet, the footers give the
//! exact total up front, which turns the counter into a bar with an ETA.

//!
//! The bar needs `indicatif`, which comes with the `cli` feature; without it (the library alone)
//! progress is never shown.

#[cfg(feature = "cli")]
use std::io::IsTerminal;
#[cfg(feature = "cli")]
use std::time::Duration;

#[cfg(feature = "cli")]
use indicatif::{HumanCount, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// Stands in for the bar when the `cli` feature is off: nothing is ever drawn.
#[cfg(not(feature = "cli"))]
#[derive(Debug)]
struct ProgressBar;

#[cfg(not(feature = "cli"))]
impl ProgressBar {
    fn set_length(&self, _: u64) {}
    fn inc(&self, _: u64) {}
    fn finish_and_clear(&self) {}
}

#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// `wanted`: the user did not pass `--quiet`.
    #[cfg(not(feature = "cli"))]
    pub fn new(_wanted: bool) -> Self {
        Progress { bar: None }
    }

    /// `wanted`: the user did not pass `--quiet`.
    #[cfg(feature = "cli")]
    pub fn new(wanted: bool) -> Self {
        if !wanted || !std::io::stderr().is_terminal() {
            return Progress { bar: None };
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(8));
        if let Ok(style) = ProgressStyle::with_template("{spinner} {human_pos} rows  {rate}  {elapsed}") {
            bar.set_style(style.with_key("rate", rate));
        }
        bar.enable_steady_tick(Duration::from_millis(250));
        Progress { bar: Some(bar) }
    }

    pub fn is_shown(&self) -> bool {
        self.bar.is_some()
    }

    /// The total rows, known up front (switches to a bar with an ETA).
    pub fn set_total(&self, rows: u64) {
        if let Some(bar) = &self.bar {
            #[cfg(feature = "cli")]
            if let Ok(style) =
                ProgressStyle::with_template("{bar:30} {human_pos}/{human_len} rows  {rate}  ETA {eta}")
            {
                bar.set_style(style.with_key("rate", rate));
            }
            bar.set_length(rows);
        }
    }

    /// Rows evaluated.
    pub fn add(&self, rows: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(rows);
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(feature = "cli")]
fn rate(state: &ProgressState, w: &mut dyn std::fmt::Write) {
    let _ = write!(w, "{} rows/s", HumanCount(state.per_sec() as u64));
}
