//! The floor for `dpg-audit audit` on a text manifest (CSV, TSV, NDJSON): read every byte of the
//! file with the same number of threads and count its newlines, parse nothing, judge nothing.
//! No audit that reads each record can be faster than this.
//!
//! ```text
//! cargo run --release --example line_floor -- items.csv [--threads 2]
//! ```
//!
//! The file is cut into one byte range per thread; each thread reads its range in blocks of
//! 1 MiB with positioned reads (no shared cursor) and counts `\n` bytes. Prints bytes and lines
//! (the same count as `wc -l`).

use std::error::Error;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;

use clap::Parser;

const BLOCK: usize = 1 << 20;

#[derive(Debug, Parser)]
#[command(about = "Counts a text file's newlines with N threads (the text benchmark floor)")]
struct Args {
    /// Text manifest.
    path: PathBuf,
    /// Reading threads (the file is split into that many byte ranges).
    #[arg(long, short = 'j', default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..))]
    threads: u32,
}

fn count_range(file: &File, start: u64, end: u64) -> std::io::Result<u64> {
    let mut buf = vec![0u8; BLOCK];
    let (mut at, mut lines) = (start, 0u64);
    while at < end {
        let want = usize::try_from(end - at).unwrap_or(BLOCK).min(BLOCK);
        let n = file.read_at(&mut buf[..want], at)?;
        if n == 0 {
            break; // the file shrank while being read: count what is there
        }
        // A plain byte loop: the compiler vectorizes it, which is all `wc -l` does too.
        lines += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
        at += n as u64;
    }
    Ok(lines)
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = Args::parse();
    let file = File::open(&args.path)?;
    let len = file.metadata()?.len();
    let threads = u64::from(args.threads);
    let step = len.div_ceil(threads).max(1);
    let lines = std::thread::scope(|scope| -> std::io::Result<u64> {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let file = &file;
                let (start, end) = ((t * step).min(len), ((t + 1) * step).min(len));
                scope.spawn(move || count_range(file, start, end))
            })
            .collect();
        let mut total = 0;
        for h in handles {
            total += h.join().map_err(|_| std::io::Error::other("a counting thread panicked"))??;
        }
        Ok(total)
    })?;
    println!("{} bytes, {lines} lines", len);
    Ok(())
}
