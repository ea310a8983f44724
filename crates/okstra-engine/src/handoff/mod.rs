//! Owns the release hand-off's effects (SPEC §3, §8): its gate (`gate`: the task's latest
//! final verification accepted, on the task branch's current head), what the PR body is made
//! from (`sources`: carry sidecars, the verification's report, the task's token totals, the
//! project's PR template), and publishing (`publish`: the real `git push` and `gh pr
//! create`), with their errors (`error`). The run's phase is `run::handoff_phase`.

mod error;
mod gate;
mod publish;
mod sources;

pub use error::HandoffError;
pub(crate) use gate::{Ready, check_ready, refuse_unready};
pub use publish::remote_names;
pub(crate) use publish::{PrAsk, open_pr, push_branch};
pub(crate) use sources::{read_findings, read_stages, read_template, read_tokens};

/// What a release-handoff run is asked to do beyond writing the PR body.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HandoffAsk {
    /// `--push`: push the task branch (never without it).
    pub push: bool,
    /// `--remote` (default `origin`).
    pub remote: String,
    /// `--open-pr`: run `gh pr create`.
    pub open_pr: bool,
    /// `--draft`, passed to `gh pr create`.
    pub draft: bool,
}

impl HandoffAsk {
    /// Returns the ask as a run's recipe records it.
    pub(crate) fn recipe(&self) -> okstra_core::manifest::HandoffRecipe {
        okstra_core::manifest::HandoffRecipe {
            push: self.push,
            remote: self.remote.clone(),
            open_pr: self.open_pr,
            draft: self.draft,
        }
    }

    /// Returns the ask a run's recipe recorded.
    pub(crate) fn from_recipe(recipe: &okstra_core::manifest::HandoffRecipe) -> Self {
        Self {
            push: recipe.push,
            remote: recipe.remote.clone(),
            open_pr: recipe.open_pr,
            draft: recipe.draft,
        }
    }
}
