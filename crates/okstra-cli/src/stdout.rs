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
///
/// A captured channel (`okstra mcp`, which runs commands in-process and whose stdout may be
/// the protocol's own stream) keeps the bytes instead, for [`DataOut::take_captured`].
#[derive(Clone, Debug, Default)]
pub struct DataOut {
    failure: Arc<Mutex<Option<io::Error>>>,
    captured: Option<Arc<Mutex<Vec<u8>>>>,
}

impl DataOut {
    /// Returns a channel that keeps what is written instead of printing it.
    pub fn captured() -> Self {
        Self {
            failure: Arc::default(),
            captured: Some(Arc::default()),
        }
    }

    /// Returns whether this channel keeps its bytes instead of printing them.
    pub fn is_captured(&self) -> bool {
        self.captured.is_some()
    }

    /// Returns the bytes a captured channel kept so far, and forgets them (empty when not
    /// captured).
    pub fn take_captured(&self) -> Vec<u8> {
        self.captured.as_ref().map_or_else(Vec::new, |kept| {
            std::mem::take(&mut *kept.lock().unwrap_or_else(PoisonError::into_inner))
        })
    }

    /// Writes `bytes` to stdout and flushes; after a failed write, does nothing.
    pub fn write(&self, bytes: &[u8]) {
        if let Some(kept) = &self.captured {
            kept.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend_from_slice(bytes);
            return;
        }
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
