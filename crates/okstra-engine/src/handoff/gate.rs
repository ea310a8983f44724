//! Owns the hand-off's gate (SPEC §3): the task's latest final verification must be
//! `accepted` and about the task branch's current head. Checked before the run is prepared
//! (so a refusal writes nothing) and again by the phase (so a commit added meanwhile is
//! caught).

use std::path::Path;

use okstra_core::final_verification::{FinalVerdict, FinalVerificationRecord};
use okstra_core::run_paths::{RunPaths, TaskPaths};
use okstra_core::status::RunStatus;

use super::error::HandoffError;
use crate::final_verification::latest_final_verification;
use crate::git::GitCommand;

/// A task ready to hand off: its accepted final verification and the head it verified.
#[derive(Clone, Debug)]
pub(crate) struct Ready {
    /// The final-verification run's paths.
    pub(crate) paths: RunPaths,
    pub(crate) record: FinalVerificationRecord,
}

/// Returns the task's accepted final verification of the task branch's current head (in the
/// repository at `repo`), or why the hand-off is refused.
pub(crate) fn check_ready(
    task: &TaskPaths,
    task_key: &str,
    repo: &Path,
) -> Result<Ready, HandoffError> {
    let Some((paths, record)) = latest_final_verification(task)? else {
        return Err(HandoffError::NoVerification {
            task_key: task_key.to_owned(),
        });
    };
    if record.verdict != FinalVerdict::Accepted {
        return Err(HandoffError::NotAccepted {
            task_key: task_key.to_owned(),
            run_id: record.run_id.clone(),
            seq: record.run_seq,
            verdict: record.verdict.to_string(),
            reasons: record.reasons.clone(),
        });
    }
    // The record is written before the run's report: a run that then failed or was
    // interrupted did not finish verifying. (A record with no manifest beside it is judged by
    // itself; `okstra validate` is what checks a run's files belong together.)
    let manifest = paths.manifest();
    let status = if manifest.is_file() {
        Some(crate::runs::load_manifest(&manifest)?.status)
    } else {
        None
    };
    if let Some(status) = status.filter(|s| *s != RunStatus::Completed) {
        return Err(HandoffError::RunNotCompleted {
            task_key: task_key.to_owned(),
            run_id: record.run_id.clone(),
            seq: record.run_seq,
            status: status.to_string(),
        });
    }
    if record.task_branch.is_empty() || record.verified_head.is_empty() {
        return Err(HandoffError::NoBranch {
            run_id: record.run_id.clone(),
        });
    }
    let git = GitCommand::new(repo);
    let Some(head) = git.resolve_commit(&format!("refs/heads/{}", record.task_branch))? else {
        return Err(HandoffError::BranchMissing {
            run_id: record.run_id.clone(),
            branch: record.task_branch.clone(),
            repo: repo.to_path_buf(),
        });
    };
    if !record.accepts_head(&head) {
        let added = git.output(&[
            "log",
            "--format=%h %s",
            "--end-of-options",
            &format!("{}..{head}", record.verified_head),
        ])?;
        // The verified head may be gone or not an ancestor: then the branch was rewritten.
        let is_ancestor = git
            .output(&["merge-base", "--is-ancestor", &record.verified_head, &head])?
            .status
            .success();
        let commits = if added.status.success() && is_ancestor {
            String::from_utf8_lossy(&added.stdout)
                .lines()
                .map(str::to_owned)
                .collect()
        } else {
            Vec::new()
        };
        return Err(HandoffError::HeadMoved {
            run_id: record.run_id.clone(),
            seq: record.run_seq,
            branch: record.task_branch.clone(),
            verified: record.verified_head.clone(),
            head,
            commits,
        });
    }
    // A stage re-verified since with an unverified DB gate is refused, whatever the verdict.
    let unverified: Vec<u32> = super::read_stages(task)?
        .into_iter()
        .filter(|s| s.db_gate.as_deref() == Some("unverified"))
        .map(|s| s.stage)
        .collect();
    if !unverified.is_empty() {
        return Err(HandoffError::DbUnverified { stages: unverified });
    }
    Ok(Ready { paths, record })
}

/// Refuses a hand-off of `task` (key `task_key`) in `project` whose latest final verification
/// does not accept the task branch's current head, or whose `prTemplate` cannot be read —
/// what a run checks before anything is written, and `--dry-run` reports.
pub(crate) fn refuse_unready(
    project: &crate::project::LoadedProject,
    task: &TaskPaths,
    task_key: &str,
) -> Result<(), HandoffError> {
    let root = project.root();
    check_ready(task, task_key, root)?;
    super::read_template(
        root,
        project.config.pr_template.as_deref(),
        &project.paths.project_json(),
    )?;
    Ok(())
}
