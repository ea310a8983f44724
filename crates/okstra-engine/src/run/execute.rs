//! Owns the execute phase of an implementation run (SPEC §8): the executor implements the
//! stage in its worktree — in one invocation, or one plan step per invocation when
//! `executor.stepMode` is set, its adapter cannot commit (codex) or an earlier run of the stage
//! showed it cannot (`choose_execution_mode`) — and after each invocation okstra commits what
//! it left: with the step's subject in step mode, else as `okstra: uncommitted executor
//! changes`. `--reverify` skips the executor. The record of each invocation
//! (`state/execution-<seq>.json`) is written before it starts and once okstra committed after
//! it, so a resumed run drives no finished invocation again, reuses a finished executor's
//! answer, and runs an interrupted one again in the same worktree.

use std::path::{Path, PathBuf};

use okstra_core::events::{Checkpoint, RunEvent};
use okstra_core::executor::{
    ExecutionMode, InvocationCommits, StepInvocation, choose_execution_mode,
    executor_cannot_commit, plan_steps, whole_stage_instruction,
};
use okstra_core::implementation::{
    CarryText, ExecutionRecord, ExecutorContext, ExecutorEnd, InvocationRecord, WHOLE_STAGE_KEY,
    executor_sections, recorded_mode,
};
use okstra_core::outcome::AnswerContract;
use okstra_core::plan::render_plan_markdown;
use okstra_core::prompt::EXECUTOR_PROFILE;
use okstra_core::result_header::parse_result;
use okstra_core::run_paths::{ArtifactKind, RoundTag, relative_to};
use okstra_core::status::WorkerStatus;

use super::imp::Run;
use super::prompts::PromptKind;
use super::stage::StageRun;
use super::stage_phase_error::StagePhaseError;
use super::summary::WorkerResult;
use crate::errors::{RunError, StoreError};
use crate::executor::{
    StepCommit, commit_leftovers, commit_step, commits_since, has_uncommitted_changes, head,
    in_git_work_tree,
};
use crate::fs_atomic::{read_optional, write_json};

/// The most bytes of an invocation's printed output read to tell whether git refused it a
/// write.
const OUTPUT_SCAN_BYTES: usize = 64 * 1024;

/// One invocation of the executor, planned.
struct Invocation {
    key: String,
    round: RoundTag,
    instruction: String,
    /// The step of step mode.
    step: Option<StepInvocation>,
}

impl Run {
    /// Returns the stage of this implementation run, or the internal error of a run without.
    pub(crate) fn stage_or_error(&self) -> Result<StageRun, RunError> {
        self.stage_run().cloned().ok_or_else(|| {
            StagePhaseError::NoStage {
                run_id: self.manifest().run_id.to_string(),
            }
            .into()
        })
    }

    /// Runs the executor over the stage (unless `--reverify` skips it) and commits what it
    /// left.
    pub(crate) async fn execute(&mut self) -> Result<(), RunError> {
        if self.interrupted() {
            return Ok(());
        }
        let stage = self.stage_or_error()?;
        let saved = self.read_execution()?;
        let git = in_git_work_tree(&stage.workdir);
        if !stage.mode.runs_executor() {
            let mut record =
                saved.unwrap_or_else(|| self.new_execution(&stage, ExecutionMode::WholeStage));
            "skipped".clone_into(&mut record.mode);
            record.skipped = Some(
                "--reverify: okstra checks the stage's current head without the executor"
                    .to_owned(),
            );
            write_json(&self.paths.execution(), &record)?;
            return self.executed(&stage, record, ExecutorEnd::Skipped, git);
        }
        let entry = self
            .roster
            .stage
            .as_ref()
            .map(|team| team.executor.clone())
            .ok_or_else(|| StagePhaseError::NoTeam {
                run_id: self.manifest().run_id.to_string(),
            })?;
        let mut record = if let Some(record) = saved {
            record
        } else {
            let mode = choose_execution_mode(
                self.settings.step_mode.value,
                entry.kind,
                self.seen_unable_to_commit(),
            );
            self.new_execution(&stage, mode)
        };
        let invocations = invocations(&stage, &mut record);
        write_json(&self.paths.execution(), &record)?;
        let context = self.executor_context(&stage);
        let mut end = ExecutorEnd::Completed;
        for inv in invocations {
            if let Some(done) = record.invocation(&inv.key).filter(|i| i.is_finished()) {
                let status = done.status.unwrap_or(WorkerStatus::Error);
                if let Some(text) = self.finished_text(&entry.worker, inv.round) {
                    self.found.stage.account.push(account(&inv, &text));
                }
                if status != WorkerStatus::Completed {
                    let reason = self
                        .team()
                        .workers
                        .iter()
                        .find(|w| w.worker == entry.worker && w.round == inv.round)
                        .and_then(|w| w.reason().map(str::to_owned));
                    end = failed(status, reason);
                    break;
                }
                continue;
            }
            // A reached budget starts no new invocation (SPEC §11); one already started is
            // driven again on resume.
            if record.invocation(&inv.key).is_none()
                && let Some(reached) = self.budget_reached()
            {
                let reason = format!("not started: budget reached: {reached}");
                record.stopped = Some(reason.clone());
                write_json(&self.paths.execution(), &record)?;
                end = ExecutorEnd::Failed {
                    status: WorkerStatus::NotRun,
                    reason,
                };
                break;
            }
            let head_before = match record.invocation(&inv.key) {
                Some(started) => started.head_before.clone(),
                None if git => head(&stage.workdir).map_err(StagePhaseError::from)?,
                None => String::new(),
            };
            record.set(InvocationRecord {
                key: inv.key.clone(),
                subject: inv.step.as_ref().map(|s| s.subject.clone()),
                head_before: head_before.clone(),
                status: Some(WorkerStatus::Running),
                head_after: None,
                commits_made: 0,
                okstra_commit: None,
            });
            write_json(&self.paths.execution(), &record)?;
            let carries: Vec<CarryText<'_>> = context
                .carry_in
                .iter()
                .map(|(stage, path, text)| CarryText {
                    stage: *stage,
                    path,
                    text,
                })
                .collect();
            let mut sections = vec![self.context_section()];
            sections.extend(executor_sections(&ExecutorContext {
                stage: &context.stage,
                plan_markdown: &context.plan_markdown,
                carry_in: &carries,
                qa_dir: &context.qa_dir,
                instruction: &inv.instruction,
            }));
            let kind = PromptKind {
                title: "Implementation",
                profile: EXECUTOR_PROFILE,
                contract: AnswerContract::Executor,
            };
            let planned = self.planned(&entry, inv.round, kind, &sections)?;
            let results = self.dispatch(vec![planned]).await?;
            if self.interrupted() {
                // The invocation stays `running` in the record: resume drives it again.
                return Ok(());
            }
            let Some(result) = results.into_iter().next() else {
                continue;
            };
            let committed = if git {
                let output = self.printed_output(&result);
                let workdir = stage.workdir.clone();
                let step = inv.step.clone();
                let before = head_before.clone();
                tokio::task::spawn_blocking(move || {
                    commit_after(&workdir, step.as_ref(), &before, &output)
                })
                .await
                .map_err(|source| RunError::Task {
                    what: "okstra's commit of the executor's work",
                    source,
                })??
            } else {
                Committed::default()
            };
            record.cannot_commit |= committed.cannot_commit;
            record.set(InvocationRecord {
                key: inv.key.clone(),
                subject: inv.step.as_ref().map(|s| s.subject.clone()),
                head_before,
                status: Some(result.status),
                head_after: Some(committed.head_after),
                commits_made: committed.commits_made,
                okstra_commit: committed.okstra_commit,
            });
            write_json(&self.paths.execution(), &record)?;
            if let Some(text) = &result.text {
                self.found.stage.account.push(account(&inv, text));
            }
            let status = result.status;
            let reason = result.reason.clone();
            self.found.stage.workers.push(result);
            if status != WorkerStatus::Completed {
                end = failed(status, reason);
                break;
            }
        }
        self.executed(&stage, record, end, git)
    }

    /// Records the end of the execute phase: the event, what was found, the checkpoint.
    fn executed(
        &mut self,
        stage: &StageRun,
        record: ExecutionRecord,
        end: ExecutorEnd,
        git: bool,
    ) -> Result<(), RunError> {
        let commits = match (&stage.base, git) {
            (Some(base), true) => commits_since(&stage.workdir, base).unwrap_or(0),
            _ => 0,
        };
        self.emit(&RunEvent::Executed {
            stage: stage.stage.get(),
            mode: record.mode.clone(),
            invocations: record.invocations.len(),
            commits,
            okstra_commits: record.okstra_commits().len(),
        });
        self.found.stage.executor = Some(end);
        self.found.stage.execution = Some(record);
        self.pass(Checkpoint::Execute)?;
        Ok(())
    }

    /// Returns a fresh execution record of this run's stage, driven in `mode`.
    fn new_execution(&self, stage: &StageRun, mode: ExecutionMode) -> ExecutionRecord {
        ExecutionRecord::new(self.manifest().run_id.to_string(), stage.stage.get(), mode)
    }

    /// Returns the run's execution record, when an earlier okstra driving it wrote one.
    pub(crate) fn read_execution(&self) -> Result<Option<ExecutionRecord>, RunError> {
        let path = self.paths.execution();
        let Some(text) = read_optional(&path)? else {
            return Ok(None);
        };
        Ok(Some(
            ExecutionRecord::parse(&text).map_err(|source| StoreError::Invalid { path, source })?,
        ))
    }

    /// Returns whether an earlier run of this stage saw its executor unable to commit.
    fn seen_unable_to_commit(&self) -> bool {
        let Ok(entries) = fs_err::read_dir(self.paths.state_dir()) else {
            return false;
        };
        let ours = self.paths.execution();
        entries.filter_map(Result::ok).any(|e| {
            let path = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            path != ours
                && name.starts_with("execution-")
                && fs_err::read_to_string(&path)
                    .ok()
                    .and_then(|t| ExecutionRecord::parse(&t).ok())
                    .is_some_and(|r| r.cannot_commit)
        })
    }

    /// Returns what every executor prompt of the stage says besides its instruction.
    fn executor_context(&self, stage: &StageRun) -> OwnedContext {
        let root = PathBuf::from(&self.manifest().project_root);
        OwnedContext {
            stage: stage.plan_stage.clone(),
            plan_markdown: render_plan_markdown(&stage.plan, self.settings.language.value)
                .unwrap_or_default(),
            carry_in: stage
                .carry_in
                .iter()
                .map(|c| {
                    (
                        c.stage.get(),
                        relative_to(&c.path, &root).display().to_string(),
                        c.text.clone(),
                    )
                })
                .collect(),
            qa_dir: self.paths.task().qa_dir().display().to_string(),
        }
    }

    /// Returns the final text of a worker's finished round, from its result file.
    fn finished_text(
        &self,
        worker: &okstra_core::worker_name::WorkerName,
        round: RoundTag,
    ) -> Option<String> {
        let row = self
            .team()
            .workers
            .iter()
            .find(|w| &w.worker == worker && w.round == round)?;
        let rel = row.attempts.last()?.result_path.clone()?;
        let path = Path::new(&self.manifest().project_root).join(rel);
        let text = fs_err::read_to_string(path).ok()?;
        parse_result(&text).ok().map(|(_, body)| body.to_owned())
    }

    /// Returns the end of what an invocation printed (transcript and errors log, redacted when
    /// written), to tell whether git refused it a write.
    fn printed_output(&self, result: &WorkerResult) -> String {
        let attempt = result.attempts.max(1);
        let mut out = String::new();
        for kind in [ArtifactKind::Errors, ArtifactKind::Transcript] {
            let path = self
                .paths
                .artifact(&result.worker, kind, result.round, attempt);
            if let Ok(text) = fs_err::read_to_string(path) {
                let start = text.len().saturating_sub(OUTPUT_SCAN_BYTES);
                let start = (start..text.len())
                    .find(|i| text.is_char_boundary(*i))
                    .unwrap_or(text.len());
                out.push_str(&text[start..]);
                out.push('\n');
            }
        }
        out
    }
}

/// What every executor prompt of a stage says besides its instruction, owned.
struct OwnedContext {
    stage: okstra_core::plan::Stage,
    plan_markdown: String,
    /// Each dependency's carry: its stage, its path as shown, its text.
    carry_in: Vec<(u32, String, String)>,
    qa_dir: String,
}

/// What okstra's commit after an invocation did.
#[derive(Debug, Default)]
struct Committed {
    head_after: String,
    commits_made: usize,
    okstra_commit: Option<okstra_core::evidence::StageCommit>,
    cannot_commit: bool,
}

/// Commits what an invocation left (the step's subject, else the leftover subject) and
/// returns what it did.
fn commit_after(
    workdir: &Path,
    step: Option<&StepInvocation>,
    head_before: &str,
    output: &str,
) -> Result<Committed, StagePhaseError> {
    let commits_made = commits_since(workdir, head_before)?;
    let left_changes = has_uncommitted_changes(workdir)?;
    let cannot_commit = executor_cannot_commit(
        InvocationCommits {
            commits_made,
            left_changes,
        },
        output,
    );
    let okstra_commit = match step {
        Some(step) => match commit_step(workdir, step, head_before)? {
            StepCommit::Committed(c) => Some(c),
            StepCommit::ByExecutor { .. } | StepCommit::NothingChanged => None,
        },
        None => commit_leftovers(workdir)?,
    };
    Ok(Committed {
        head_after: head(workdir)?,
        commits_made,
        okstra_commit,
        cannot_commit,
    })
}

/// Returns the invocations that drive the stage in the record's mode. A stage step mode cannot
/// drive (a step without a RED/GREEN/REFACTOR prefix) is driven whole, and the record says so.
fn invocations(stage: &StageRun, record: &mut ExecutionRecord) -> Vec<Invocation> {
    let whole = || Invocation {
        key: WHOLE_STAGE_KEY.to_owned(),
        round: RoundTag::Round(0),
        instruction: whole_stage_instruction(&stage.plan_stage),
        step: None,
    };
    match recorded_mode(record) {
        ExecutionMode::WholeStage => vec![whole()],
        ExecutionMode::StepByStep(_) => match plan_steps(&stage.plan_stage) {
            Ok(steps) => steps
                .into_iter()
                .map(|s| Invocation {
                    key: okstra_core::replay::step_key(s.number),
                    round: RoundTag::Step(s.number),
                    instruction: s.instruction.clone(),
                    step: Some(s),
                })
                .collect(),
            Err(e) => {
                "whole-stage".clone_into(&mut record.mode);
                record.mode_reason = Some(format!("step mode cannot drive it: {e}"));
                vec![whole()]
            }
        },
    }
}

/// Returns an invocation's account as the report quotes it: a step's under its subject.
fn account(inv: &Invocation, text: &str) -> String {
    match &inv.step {
        Some(step) => format!(
            "Step {} (`{}`):\n\n{}",
            step.number,
            step.subject,
            text.trim()
        ),
        None => text.trim().to_owned(),
    }
}

/// Returns the end of an executor whose invocation ended `status`.
fn failed(status: WorkerStatus, reason: Option<String>) -> ExecutorEnd {
    ExecutorEnd::Failed {
        status,
        reason: reason.unwrap_or_else(|| "no reason recorded".to_owned()),
    }
}
