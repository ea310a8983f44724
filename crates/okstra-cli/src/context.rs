//! Owns what every command handler receives: the environment snapshot, the working folder
//! (after `-C`), the `Ui`, and the central home built from them.

use std::path::{Path, PathBuf};

use okstra_engine::{EventSink, Home, LoadedProject, RepoLayout, discover, find_project_root};

use crate::command_error::CommandError;
use crate::live::LiveView;
use crate::settings::EnvSnapshot;
use crate::ui::Ui;

/// The shared inputs of a command.
#[derive(Clone, Debug)]
pub struct CommandContext {
    pub env: EnvSnapshot,
    pub cwd: PathBuf,
    pub ui: Ui,
}

impl CommandContext {
    /// Returns the central home.
    pub fn home(&self) -> Result<Home, CommandError> {
        let home = Home::new(self.env.okstra_home()?);
        Ok(match self.env.test_index_rotate_bytes()? {
            Some(bytes) => home.with_rotate_bytes(bytes),
            None => home,
        })
    }

    /// Returns the project root a run uses: the nearest folder with `.okstra/project.json`,
    /// else the git top level, else the working folder.
    pub fn run_project_root(&self) -> PathBuf {
        if let Some(root) = find_project_root(&self.cwd) {
            return root;
        }
        match discover(&self.cwd) {
            Ok(RepoLayout::Main { toplevel, .. } | RepoLayout::LinkedWorktree { toplevel, .. }) => {
                toplevel
            }
            _ => self.cwd.clone(),
        }
    }

    /// Warns about every key of project.json okstra does not know.
    pub fn warn_unknown_keys(&self, project: &LoadedProject) {
        for w in &project.warnings {
            self.ui.warn(&format!(
                "{}: unknown key `{}` (ignored)",
                project.paths.project_json().display(),
                w.key
            ));
        }
    }

    /// Returns the sink that shows a run's events live.
    pub fn live_sink(&self) -> EventSink {
        LiveView::new(
            &self.ui,
            self.env
                .get(okstra_core::env_vars::OKSTRA_NO_PROGRESS)
                .is_some(),
        )
        .sink()
    }

    /// Returns `path` for display: relative to `root` when inside it.
    pub fn display_path(path: &Path, root: &Path) -> String {
        okstra_core::run_paths::relative_to(path, root)
            .display()
            .to_string()
    }
}
