//! Typed errors for everything that stops a run (exit code 2). Row-level problems are not errors:
//! they become `manifest-row-invalid` findings and the scan goes on.

use std::path::{Path, PathBuf};

/// A failure that ends the run. Every variant that is about a file names it, so the message
/// alone tells the user where to look; [`Error::kind`] tells a program what went wrong.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line or an argument does not make sense.
    #[error("{0}")]
    Usage(String),

    /// A configuration or profile file is wrong (the message names the key).
    #[error("{path}: {message}")]
    Config { path: PathBuf, message: String },

    /// An input file cannot be read as what it should hold.
    #[error("{path}: {message}")]
    Input { path: PathBuf, message: String },

    /// The operating system refused: a file that cannot be opened or written, a temp file, a
    /// thread. `path` names the file when there is one.
    #[error("{}{message}", path.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default())]
    Io {
        path: Option<PathBuf>,
        message: String,
        #[source]
        source: std::io::Error,
    },

    /// A network request failed: the URL, and the HTTP status when the server answered one.
    #[error("{url}: {message}")]
    Http { url: String, status: Option<u16>, message: String },

    /// A bug in dpg-audit.
    #[error("internal error, a bug in dpg-audit (please report it): {0}")]
    Internal(String),
}

/// What kind of failure an [`Error`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Usage,
    Config,
    Input,
    Io,
    Http,
    Internal,
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Usage(_) => ErrorKind::Usage,
            Error::Config { .. } => ErrorKind::Config,
            Error::Input { .. } => ErrorKind::Input,
            Error::Io { .. } => ErrorKind::Io,
            Error::Http { .. } => ErrorKind::Http,
            Error::Internal(_) => ErrorKind::Internal,
        }
    }

    /// The file the error is about, when there is one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Error::Config { path, .. } | Error::Input { path, .. } => Some(path),
            Error::Io { path, .. } => path.as_deref(),
            Error::Usage(_) | Error::Http { .. } | Error::Internal(_) => None,
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage(message.into())
    }

    /// (A temporary copy of standard input or a pipe is named as the user named the input.)
    pub fn input(path: &Path, message: impl Into<String>) -> Self {
        Error::Input { path: crate::input::shown(path), message: message.into() }
    }

    pub fn config(path: &Path, message: impl Into<String>) -> Self {
        Error::Config { path: path.to_path_buf(), message: message.into() }
    }

    /// A failed request to `url`; `status` is the HTTP status when the server answered.
    pub fn http(url: &str, status: Option<u16>, message: impl Into<String>) -> Self {
        Error::Http { url: url.to_string(), status, message: message.into() }
    }

    /// The HTTP status of a failed request, when the server answered one.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::Http { status, .. } => *status,
            _ => None,
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Error::Internal(message.into())
    }

    /// An I/O failure on `path`, worded for a user rather than a developer.
    pub fn io(path: &Path, err: &std::io::Error) -> Self {
        let message = match err.kind() {
            std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => err.to_string(),
        };
        Error::Io {
            path: Some(crate::input::shown(path)),
            message,
            source: std::io::Error::new(err.kind(), err.to_string()),
        }
    }

    /// An I/O failure of an operation on no one file of the user's (`what`: "writing a
    /// temporary file for duplicate ids", ...).
    pub fn io_op(what: &str, err: &std::io::Error) -> Self {
        Error::Io {
            path: None,
            message: format!("{what}: {err}"),
            source: std::io::Error::new(err.kind(), err.to_string()),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
