//! What the fuzz targets share: the bytes are written to a file with the extension a reader
//! expects (the readers open paths), then read the way a run reads them. An error is a fine
//! outcome; a panic that escapes, a hang or a runaway allocation is a finding.

use std::path::PathBuf;

use dpg_audit::manifest::{Manifest, ReadOptions};
use dpg_audit::portal::InputFormat;

/// A file holding `data`, named `input.EXT`, in a fresh temporary folder.
fn file(data: &[u8], ext: &str) -> Option<(tempfile::TempDir, PathBuf)> {
    let dir = tempfile::tempdir().ok()?;
    let path = dir.path().join(format!("input.{ext}"));
    std::fs::write(&path, data).ok()?;
    Some((dir, path))
}

/// Reads `data` as a manifest of extension `ext`, decoding every unit.
pub fn manifest(data: &[u8], ext: &str) {
    let Some((_dir, path)) = file(data, ext) else { return };
    let m = Manifest::file(path, format!("input.{ext}"));
    let opts = ReadOptions { overrides: Default::default(), batch_size: 64, max_line_bytes: 1 << 16 };
    let _ = dpg_audit::manifest::read(0, &m, &opts, &mut |unit| {
        let _ = unit.batches(64, &mut |_| {});
        true
    });
}

/// Reads `data` as portal metadata of `format` in a file of extension `ext`.
pub fn portal(data: &[u8], ext: &str, format: InputFormat) {
    let Some((_dir, path)) = file(data, ext) else { return };
    dpg_audit::limits::set_max_metadata_bytes(1 << 20);
    let _ = dpg_audit::portal::batch::stream_file(&path, format, &mut |_| true);
}
