//! Owns running an `okstra` command in-process for the server: on a thread of its own
//! (commands block, and some start their own runtime), with the server's environment and
//! folder, its output kept (`cli::invoke`). The server's tools and its long-run tasks share it.

use std::path::PathBuf;

use rmcp::ErrorData as McpError;

use crate::cli::{Invoked, invoke};
use crate::context::CommandContext;
use crate::settings::EnvSnapshot;
use crate::ui::{Ui, Verbosity};

/// What an in-process command runs with.
#[derive(Clone)]
pub(crate) struct Invoker {
    /// The environment okstra was started with.
    pub(crate) env: EnvSnapshot,
    /// The folder commands run in.
    pub(crate) cwd: PathBuf,
}

impl Invoker {
    /// Returns the context of a command run with the server's environment and folder, its
    /// output kept.
    pub(crate) fn context(&self) -> CommandContext {
        CommandContext {
            env: self.env.clone(),
            cwd: self.cwd.clone(),
            ui: Ui::captured(Verbosity::Quiet),
        }
    }

    /// Returns why one of `values` may not be used: a file it names (relative to the server's
    /// folder) lies outside the server's project — a client reads and writes only the
    /// project's files (a brief, a plan) through the server.
    pub(crate) fn outside_project(&self, values: &[Option<&str>]) -> Option<String> {
        let root = self.context().run_project_root();
        let root = fs_err::canonicalize(&root).unwrap_or(root);
        values.iter().flatten().find_map(|value| {
            let path = self.cwd.join(value);
            let canonical = fs_err::canonicalize(&path).ok()?;
            (!canonical.starts_with(&root)).then(|| {
                format!(
                    "error: {value} is outside this server's project ({})\n\
                     hint: name a file inside the project, or a run id",
                    root.display()
                )
            })
        })
    }

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
