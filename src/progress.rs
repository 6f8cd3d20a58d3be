//! Progress on stderr, only when stderr is a terminal and the user did not ask for quiet.
//! Workers add rows as they finish batches; the reader announces rows it knows are coming
//! (Parquet footers give exact counts), which turns the spinner into a bar with an ETA.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// `wanted`: the user did not pass `--quiet`.
    pub fn new(wanted: bool) -> Self {
        if !wanted || !std::io::stderr().is_terminal() {
            return Progress { bar: None };
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(8));
        if let Ok(style) = ProgressStyle::with_template("{spinner} {human_pos} rows  {per_sec}  {elapsed}") {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(250));
        Progress { bar: Some(bar) }
    }

    /// Rows evaluated.
    pub fn add(&self, rows: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(rows);
        }
    }

    /// Rows known to be coming (switches to a bar with an ETA).
    pub fn expect(&self, rows: u64) {
        if let Some(bar) = &self.bar {
            if bar.length().is_none()
                && let Ok(style) = ProgressStyle::with_template(
                    "{bar:30} {human_pos}/{human_len} rows  {per_sec}  ETA {eta}",
                )
            {
                bar.set_style(style);
            }
            bar.inc_length(rows);
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
