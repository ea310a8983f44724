//! Owns the checks a new run makes before anything of it is written: its task type runnable,
//! its team planned and every worker's CLI found and logged in (the check `okstra doctor`
//! makes, `crate::readiness`), and its refusal when its workers would have no brief or when
//! every analyser would be `not-run`. A real run stops at the first refusal (`Run::prepare`);
//! `--dry-run` reports them all (`dry_run`), and `--prepare-only` only warns about the brief.
//! Every path refuses a `--related` task that is not in the project.
//! The worktree and seq checks are preparation's (`crate::prepare`, `crate::git::worktree`).

use okstra_core::run_paths::TaskPaths;
use okstra_core::{TaskKey, TaskType};

use super::lifecycle::phases;
use super::prompts::read_brief;
use super::request::{NewRun, RelatedTask};
use super::roster::Roster;
use super::stage_error::StageError;
use crate::errors::{RelatedTaskError, RunError};
use crate::project::LoadedProject;
use okstra_core::stage_record::StageMode;

/// Refuses a task type this okstra cannot run yet.
pub(crate) fn refuse_unrunnable(task_type: TaskType) -> Result<(), RunError> {
    match phases(task_type) {
        Some(_) => Ok(()),
        None => Err(RunError::NotRunnable { task_type }),
    }
}

/// Refuses a run every analyser of which would be `not-run`, naming each one's reason.
pub(crate) fn refuse_if_no_analyser_can_run(roster: &Roster) -> Result<(), RunError> {
    let not_run: Option<Vec<_>> = roster
        .analysers
        .iter()
        .map(|e| {
            e.program
                .as_ref()
                .err()
                .map(|reason| (e.worker.clone(), reason.clone()))
        })
        .collect();
    match not_run {
        Some(workers) if !workers.is_empty() => Err(RunError::NoAnalyserCanRun { workers }),
        _ => Ok(()),
    }
}

/// Refuses an implementation run whose executor (unless `--reverify` skips it) or verifier
/// would be `not-run`.
pub(crate) fn refuse_if_stage_team_cannot_run(
    roster: &Roster,
    mode: Option<StageMode>,
) -> Result<(), RunError> {
    let Some(team) = &roster.stage else {
        return Ok(());
    };
    let runs_executor = mode.is_none_or(StageMode::runs_executor);
    let needed = runs_executor
        .then_some(&team.executor)
        .into_iter()
        .chain(std::iter::once(&team.verifier));
    for entry in needed {
        if let Err(reason) = &entry.program {
            return Err(StageError::ExecutorCannotRun {
                agent: format!("{} ({})", entry.agent, entry.role.as_str()),
                reason: reason.to_string(),
            }
            .into());
        }
    }
    Ok(())
}

/// Refuses a run whose workers would read no brief: `brief` is the text they would get (the
/// new brief, else the task's stored one). An implementation run reads its plan instead.
pub(crate) fn refuse_without_brief(
    task: &TaskPaths,
    task_key: &TaskKey,
    task_type: TaskType,
    brief: &str,
) -> Result<(), RunError> {
    if !task_type.brief_source().is_missing(brief) {
        return Ok(());
    }
    let path = task.brief();
    Err(RunError::NoBrief {
        task_key: task_key.to_string(),
        exists: path.exists(),
        path,
    })
}

/// Returns the refusal a real run would meet for want of a brief — what `--prepare-only`
/// warns about, having no workers to start.
pub fn check_brief(new: &NewRun) -> Result<(), RunError> {
    let task = new
        .project
        .paths
        .task(new.group.segment(), new.id.segment());
    let brief = read_brief(&task, new.brief.as_deref())?;
    refuse_without_brief(&task, &new.task_key(), new.task_type, &brief)
}

impl NewRun {
    /// Returns the task key of this run, as given (before the first spelling is looked up).
    pub(crate) fn task_key(&self) -> TaskKey {
        TaskKey::new(
            self.project.project_id.clone(),
            self.group.clone(),
            self.id.clone(),
        )
    }
}

/// Refuses a related task (`--related`) that does not exist in the project (it has no task
/// folder), or that is the run's own task (`own`).
pub(crate) fn refuse_unknown_related(
    project: &LoadedProject,
    own: &TaskKey,
    related: &[RelatedTask],
) -> Result<(), RelatedTaskError> {
    for task in related {
        if task.group.segment() == own.group().segment() && task.id.segment() == own.id().segment()
        {
            return Err(RelatedTaskError::Own {
                task: task.to_string(),
            });
        }
        let paths = project.paths.task(task.group.segment(), task.id.segment());
        if !paths.task_root().is_dir() {
            return Err(RelatedTaskError::Unknown {
                task: task.to_string(),
                project_id: project.project_id.to_string(),
                path: okstra_core::run_paths::relative_to(paths.task_root(), project.root()),
            });
        }
    }
    Ok(())
}
