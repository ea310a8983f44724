//! Owns running an `okstra` command in-process for the server: on a thread of its own
//! (commands block, and some start their own runtime), with the server's environment and
//! folder, its output kept (`cli::invoke`). The server's tools and its long-run tasks share it.

use std::path::PathBuf;

use rmcp::ErrorData as McpError;

use crate::cli::{Invoked, invoke};
use crate::settings::EnvSnapshot;

/// What an in-process command runs with.
#[derive(Clone)]
pub(crate) struct Invoker {
    /// The environment okstra was started with.
    pub(crate) env: EnvSnapshot,
    /// The folder commands run in.
    pub(crate) cwd: PathBuf,
}

impl Invoker {
    /// Runs `okstra <argv>` and returns what it did.
    pub(crate) async fn invoke(&self, argv: Vec<String>) -> Result<Invoked, McpError> {
        let env = self.env.clone();
        let cwd = self.cwd.clone();
        let (tx, rx) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            let _ = tx.send(invoke(&argv, &env, &cwd));
        });
        rx.await
            .map_err(|_| McpError::internal_error("the command's thread ended early", None))
    }
}
