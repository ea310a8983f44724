//! Owns what every command handler receives: the environment snapshot, the working folder
//! (after `-C`), the `Ui`, and the central home built from them.

use std::path::{Path, PathBuf};

use okstra_engine::git::worktree::{RepoLayout, discover};
use okstra_engine::home::Home;
use okstra_engine::project::find_project_root;

use crate::command_error::CommandError;
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
            Ok(RepoLayout::Main { toplevel, .. } | RepoLayout::LinkedWorktree { toplevel }) => {
                toplevel
            }
            _ => self.cwd.clone(),
        }
    }

    /// Returns `path` for display: relative to `root` when inside it.
    pub fn display_path(path: &Path, root: &Path) -> String {
        okstra_core::run_paths::relative_to(path, root)
            .display()
            .to_string()
    }
}
