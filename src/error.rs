//! Typed errors for everything that stops a run (exit code 2). Row-level problems are not errors:
//! they become `manifest-row-invalid` findings and the scan goes on.

use std::path::{Path, PathBuf};

/// A failure that ends the run: usage, configuration or an unreadable input file.
/// Every variant names the file it is about, so the message alone tells the user where to look.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {message}")]
    Input { path: PathBuf, message: String },

    #[error("{path}: {message}")]
    Config { path: PathBuf, message: String },

    #[error("{0}")]
    Usage(String),
}

impl Error {
    pub fn input(path: &Path, message: impl Into<String>) -> Self {
        Error::Input { path: path.to_path_buf(), message: message.into() }
    }

    pub fn config(path: &Path, message: impl Into<String>) -> Self {
        Error::Config { path: path.to_path_buf(), message: message.into() }
    }

    /// An I/O failure on `path`, worded for a user rather than a developer.
    pub fn io(path: &Path, err: &std::io::Error) -> Self {
        let message = match err.kind() {
            std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => err.to_string(),
        };
        Error::input(path, message)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
