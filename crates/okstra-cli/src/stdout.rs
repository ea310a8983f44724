//! Owns okstra's stdout, where data goes (STYLE.md §7): every write is flushed at once, and the
//! first failed write is kept — later data is dropped — for `cli.rs` to turn into the exit
//! status once the command is done.
//!
//! A failure is kept rather than returned to each printing call: data is printed from many
//! places, none of which can do anything about it, and what it means (nothing for a closed
//! pipe, exit 1 otherwise) is decided once, in `command_error.rs`.

use std::io::{self, Write};
use std::sync::{Arc, Mutex, PoisonError};

use thiserror::Error;

/// A write to stdout that failed.
#[derive(Debug, Error)]
#[error("cannot write to stdout: {source}")]
pub struct StdoutError {
    #[source]
    pub source: io::Error,
}

impl StdoutError {
    /// Returns whether the reader closed the pipe (EPIPE; okstra ignores SIGPIPE, as every
    /// Rust program does, so it gets the error instead of being killed).
    pub fn is_closed_pipe(&self) -> bool {
        self.source.kind() == io::ErrorKind::BrokenPipe
    }
}

/// The data channel: stdout, and its first failed write. Clones share it.
#[derive(Clone, Debug, Default)]
pub struct DataOut {
    failure: Arc<Mutex<Option<io::Error>>>,
}

impl DataOut {
    /// Writes `bytes` to stdout and flushes; after a failed write, does nothing.
    pub fn write(&self, bytes: &[u8]) {
        let mut failure = self.failure.lock().unwrap_or_else(PoisonError::into_inner);
        if failure.is_some() {
            return;
        }
        let mut out = io::stdout().lock();
        if let Err(e) = out.write_all(bytes).and_then(|()| out.flush()) {
            *failure = Some(e);
        }
    }

    /// Returns the first failed write, if any, and forgets it.
    pub fn take_failure(&self) -> Option<StdoutError> {
        self.failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .map(|source| StdoutError { source })
    }
}
