//! The JSON report of the contract.

use std::io::Write;

use super::Report;

pub fn write(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    super::escape::json_to_writer_pretty(&mut *out, report)?;
    out.write_all(b"\n")
}
