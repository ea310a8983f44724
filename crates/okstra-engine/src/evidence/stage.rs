//! Owns taking a stage's evidence (SPEC §8) on its head, in the stage worktree: the git facts
//! of `base..head`, the Stage Validation commands at the head, the TDD proof (the validation
//! again at the last `RED:` commit, in a scratch worktree), the DB gate (the plan's DB
//! validation step, else `qaCommands.db-test`, when the diff touches DB code) and okstra's own
//! diff findings. Core decides each verdict; this runs the commands and reads git.

use std::collections::BTreeMap;
use std::path::Path;

use okstra_core::evidence::db_gate::{decide_db_gate, detect_db_triggers, is_db_validation_step};
use okstra_core::evidence::diff::parse_unified_diff;
use okstra_core::evidence::real_io::{detect_real_io_tests, wants_head_text};
use okstra_core::evidence::tdd::{decide, exempt, last_red_commit, no_red_commit};
use okstra_core::evidence::{
    CommandEvidence, DbGate, DiffFinding, DiffSeverity, StageEvidence, TddProof,
};
use okstra_core::plan::Stage;

use super::command::CommandRunner;
use super::error::EvidenceError;
use super::git_facts::{MAX_DIFF_BYTES, StageRange, head_texts, read_stage_range};
use super::scratch::ScratchWorktree;
use crate::git::GitCommand;

/// The `qaCommands` key of the DB test.
pub const DB_TEST_KEY: &str = "db-test";

/// What a stage's evidence is taken on.
#[derive(Clone, Copy, Debug)]
pub struct StageEvidenceRequest<'a> {
    /// The stage worktree, checked out at `head` with no uncommitted change to a tracked
    /// file.
    pub worktree: &'a Path,
    /// The stage's base and head (any revision git resolves; recorded as full ids).
    pub base: &'a str,
    pub head: &'a str,
    /// The stage, from the approved plan: its Stage Validation and TDD exemption.
    pub stage: &'a Stage,
    /// `project.json`'s `qaCommands`.
    pub qa_commands: &'a BTreeMap<String, Option<String>>,
    /// The task's `qa/` folder (`TaskPaths::qa_dir`), relative to the worktree's root; real-IO
    /// tests under it are where they belong.
    pub qa_dir: &'a str,
    /// Where the scratch worktree of the TDD proof goes (the run's private temp folder).
    pub scratch: &'a Path,
}

/// Returns the evidence okstra takes itself on a stage's head: it refuses (an error) only when
/// it cannot take it — a revision git does not know, a worktree not at the head or with
/// uncommitted changes, a git failure, an interruption. Evidence that fails the stage is a
/// result: see [`StageEvidence::failures`].
pub async fn collect_stage_evidence(
    runner: &CommandRunner,
    request: &StageEvidenceRequest<'_>,
) -> Result<StageEvidence, EvidenceError> {
    let worktree = request.worktree;
    let range = read_stage_range(worktree, request.base, request.head)?;
    check_worktree_at_head(worktree, &range.head)?;
    let files = parse_unified_diff(&range.diff);
    // Read before any command runs: a command may rewrite tracked files.
    let wanted = files
        .iter()
        .filter(|f| !f.deleted && !f.added.is_empty() && wants_head_text(&f.path, request.qa_dir))
        .map(|f| f.path.clone());
    let texts = head_texts(worktree, wanted)?;

    let validation = run_stage_validation(runner, request.stage, worktree, &range.head).await?;
    let tdd_proof = tdd_proof(runner, request, &range, &validation).await?;
    let db_gate = db_gate(runner, request, &range, &files, &validation).await?;

    let mut findings = detect_real_io_tests(&files, &texts, request.qa_dir);
    if range.diff_truncated {
        findings.push(truncated_diff_finding());
    }
    Ok(StageEvidence {
        base: range.base,
        head: range.head,
        head_tree: range.head_tree,
        commits: range.commits,
        files_changed: range.files_changed,
        validation,
        tdd_proof,
        db_gate,
        findings,
    })
}

/// Refuses a worktree that is not at the head, or whose tracked files differ from it.
fn check_worktree_at_head(dir: &Path, head: &str) -> Result<(), EvidenceError> {
    let git = GitCommand::new(dir);
    let found = git.run(&["rev-parse", "--verify", "HEAD"])?;
    if found != head {
        return Err(EvidenceError::HeadNotCheckedOut {
            dir: dir.to_owned(),
            expected: head.to_owned(),
            found,
        });
    }
    let clean = git.output(&["diff", "--quiet", "HEAD", "--"])?;
    if !clean.status.success() {
        return Err(EvidenceError::UncommittedChanges {
            dir: dir.to_owned(),
        });
    }
    Ok(())
}

/// Runs a stage's Stage Validation commands in turn in `dir` (which holds `commit`), all of
/// them whatever each gives: for a stage run with no stage worktree (outside git), where
/// there is no range to take the rest of the evidence on.
pub async fn run_stage_validation(
    runner: &CommandRunner,
    stage: &Stage,
    dir: &Path,
    commit: &str,
) -> Result<Vec<CommandEvidence>, EvidenceError> {
    run_all(runner, &stage.validation, dir, commit, false).await
}

/// Runs each command in turn (stopping at the first that does not pass, when asked).
async fn run_all(
    runner: &CommandRunner,
    commands: &[String],
    dir: &Path,
    commit: &str,
    stop_at_failure: bool,
) -> Result<Vec<CommandEvidence>, EvidenceError> {
    let mut out = Vec::with_capacity(commands.len());
    for command in commands {
        let evidence = runner.run(command, dir, commit).await;
        if runner.interrupted() {
            return Err(EvidenceError::Interrupted);
        }
        let passed = evidence.passed();
        out.push(evidence);
        if stop_at_failure && !passed {
            break;
        }
    }
    Ok(out)
}

/// The TDD proof: the Stage Validation must fail at the last `RED:` commit and pass at the
/// head. At the RED commit it stops at the first command that fails (that is the proof); it
/// is not run there at all when the head already fails.
async fn tdd_proof(
    runner: &CommandRunner,
    request: &StageEvidenceRequest<'_>,
    range: &StageRange,
    at_head: &[CommandEvidence],
) -> Result<TddProof, EvidenceError> {
    if let Some(reason) = &request.stage.tdd_exemption {
        return Ok(exempt(reason));
    }
    let Some(red) = last_red_commit(&range.commits) else {
        return Ok(no_red_commit());
    };
    let commands = &request.stage.validation;
    let head_passes = !at_head.is_empty() && at_head.iter().all(CommandEvidence::passed);
    let at_red = if !head_passes {
        Vec::new()
    } else if red.sha == range.head {
        // The head is the RED commit: its results are the ones just taken.
        at_head.to_vec()
    } else {
        let scratch = ScratchWorktree::add(
            &GitCommand::new(request.worktree),
            request.scratch,
            &red.sha,
        )?;
        let results = run_all(runner, commands, scratch.path(), &red.sha, true).await;
        scratch.remove()?;
        results?
    };
    Ok(decide(&red.sha, at_red, at_head))
}

/// The DB gate: when the diff touches DB code, the plan's DB validation step (already run with
/// the Stage Validation; the first that failed, else the last) else `qaCommands.db-test`, run
/// now at the head.
async fn db_gate(
    runner: &CommandRunner,
    request: &StageEvidenceRequest<'_>,
    range: &StageRange,
    files: &[okstra_core::evidence::diff::FileDiff],
    validation: &[CommandEvidence],
) -> Result<DbGate, EvidenceError> {
    let triggers = detect_db_triggers(&range.files_changed, files);
    if triggers.is_empty() {
        return Ok(decide_db_gate(triggers, None));
    }
    let plan_steps: Vec<&CommandEvidence> = validation
        .iter()
        .filter(|v| is_db_validation_step(&v.command))
        .collect();
    let evidence = if plan_steps.is_empty() {
        match request
            .qa_commands
            .get(DB_TEST_KEY)
            .and_then(Option::as_deref)
            .filter(|c| !c.trim().is_empty())
        {
            Some(command) => {
                let ran = runner.run(command, request.worktree, &range.head).await;
                if runner.interrupted() {
                    return Err(EvidenceError::Interrupted);
                }
                Some(ran)
            }
            None => None,
        }
    } else {
        plan_steps
            .iter()
            .find(|v| !v.passed())
            .or(plan_steps.last())
            .map(|v| (*v).clone())
    };
    Ok(decide_db_gate(triggers, evidence))
}

fn truncated_diff_finding() -> DiffFinding {
    DiffFinding {
        at: "(diff)".to_owned(),
        rule: "diff-too-large".to_owned(),
        severity: DiffSeverity::Advisory,
        message: format!(
            "the diff is longer than {} MiB: the DB gate and the real-IO check read only its \
             start",
            MAX_DIFF_BYTES / (1024 * 1024)
        ),
        fix: "split the stage, or leave generated files out of the commits".to_owned(),
    }
}
