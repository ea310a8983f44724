//! Owns what an executor needs to write code safely (SPEC §5.1, §8), as building blocks of the
//! `implementation` run: the push guard and codex's `--add-dir` added to an executor's launch
//! (`launch`), okstra's own commits of an executor's work — leftovers after an invocation and
//! one commit per plan step in step mode (`commit`) — and applying a replay answer's scripted
//! patch (`patch`). The rules (the guard's entries, the step planner, the choice of mode) are
//! `okstra_core::executor`'s; this module runs git.
//!
//! This file only declares and re-exports.

mod commit;
mod error;
mod launch;
mod patch;

pub use commit::{
    StepCommit, commit_leftovers, commit_step, commits_since, has_uncommitted_changes, head,
    in_git_work_tree,
};
pub use error::ExecutorError;
pub(crate) use launch::guard_pushes;
pub use launch::{executor_add_dirs, push_guard_vars};
pub(crate) use patch::apply_scripted_patch;
