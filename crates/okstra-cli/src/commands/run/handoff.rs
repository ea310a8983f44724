//! The flags of a release-handoff run (`--push`, `--remote`, `--open-pr`, `--draft`) and the
//! lines its summary prints: the PR body, what became of the push, and of the PR — or, with no
//! `gh` on PATH, the exact command to run.

use std::path::Path;

use clap::Args;
use okstra_core::TaskType;
use okstra_core::handoff::{HandoffReport, PrOutcome, PushOutcome};
use okstra_engine::HandoffAsk;

use crate::command_error::CommandError;

/// The flags of a release-handoff run (SPEC §3, §8).
#[derive(Debug, Default, Args)]
#[command(next_help_heading = "Release hand-off")]
pub(crate) struct HandoffArgs {
    /// Push the task branch to the remote (never done without this flag)
    #[arg(long)]
    push: bool,

    /// The remote to push to (default: origin)
    #[arg(long, value_name = "REMOTE", requires = "push")]
    remote: Option<String>,

    /// Open the pull request with `gh pr create` (or print the command when gh is not on PATH)
    #[arg(long)]
    open_pr: bool,

    /// Open the pull request as a draft
    #[arg(long, requires = "open_pr")]
    draft: bool,
}

impl HandoffArgs {
    /// Returns what a release-handoff run is asked; refuses these flags on another task type.
    pub(super) fn ask(&self, task_type: TaskType) -> Result<Option<HandoffAsk>, CommandError> {
        if task_type != TaskType::ReleaseHandoff {
            let given = [
                ("--push", self.push),
                ("--remote", self.remote.is_some()),
                ("--open-pr", self.open_pr),
                ("--draft", self.draft),
            ];
            if let Some((flag, _)) = given.iter().find(|(_, g)| *g) {
                return Err(CommandError::user_message(format!(
                    "{flag} is for release-handoff runs, not {task_type}"
                ))
                .hint("`okstra run release-handoff --task <group>/<id> --push` hands off a verified task"));
            }
            return Ok(None);
        }
        Ok(Some(HandoffAsk {
            push: self.push,
            remote: self.remote.clone().unwrap_or_else(|| "origin".to_owned()),
            open_pr: self.open_pr,
            draft: self.draft,
        }))
    }
}

/// Returns the summary lines of a hand-off: the PR body and title, the push, the PR.
pub(super) fn lines(h: &HandoffReport, shown: impl Fn(&Path) -> String) -> String {
    let mut text = format!(
        "pr body: {} (template: {})\npr title: {}\n",
        shown(Path::new(&h.pr_body_path)),
        h.template,
        h.title
    );
    match &h.push {
        PushOutcome::NotAsked => text.push_str(&format!(
            "push:    not asked: nothing was pushed (--push pushes {})\n",
            h.task_branch
        )),
        PushOutcome::Pushed { remote, branch } => {
            text.push_str(&format!("push:    pushed {branch} to {remote}\n"));
        }
        PushOutcome::Rejected {
            remote,
            branch,
            message,
        } => {
            text.push_str(&format!(
                "push:    REJECTED: {remote} refused {branch}; nothing changed locally (the branch \
                 and the PR body are kept)\n"
            ));
            for line in message.lines() {
                text.push_str(&format!("  {line}\n"));
            }
        }
    }
    match &h.pr {
        PrOutcome::NotAsked => {}
        PrOutcome::Opened { url } => text.push_str(&format!("pr:      opened {url}\n")),
        PrOutcome::GhMissing { command } => text.push_str(&format!(
            "pr:      gh is not on PATH, so no PR was opened; to open it, run:\n  {command}\n"
        )),
        PrOutcome::Failed { message } => {
            text.push_str(&format!("pr:      NOT OPENED: {message}\n"));
        }
    }
    text
}
