//! Owns `--dry-run` (SPEC §4 step 0): for every worker of a run, the exact command line, folder,
//! sandbox, model and deadline it would use — computed by the same planning, worktree decision
//! and launch code a run uses — with nothing written.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use okstra_core::config::AdapterKind;
use okstra_core::settings::RunSettings;
use okstra_core::status::WorktreeStatus;
use okstra_core::worker_name::{Role, WorkerName};
use okstra_core::{TaskKey, TaskName, TaskType};

use super::launch::{LaunchInputs, process_plan};
use super::roster::roster_of;
use crate::errors::RunError;
use crate::git::worktree::{TaskWorktreeRequest, WorktreeDecision, plan_task_worktree};
use crate::home::Home;
use crate::project::LoadedProject;

/// What a dry run is asked about.
pub struct DryRunRequest<'a> {
    pub home: &'a Home,
    pub project: &'a LoadedProject,
    pub settings: &'a RunSettings,
    pub task_type: TaskType,
    pub group: &'a TaskName,
    pub id: &'a TaskName,
    pub base_ref: Option<&'a str>,
    pub env: &'a BTreeMap<String, String>,
}

/// Where the workers would run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DryRunFolder {
    /// Provisioning is skipped: workers run in the project root.
    Skipped(WorktreeStatus),
    /// The task's worktree, on its branch.
    Existing { branch: String },
    /// A new worktree, made from the base ref (`None`: the first run needs `--base-ref`).
    New { base_ref: Option<String> },
}

/// One worker as it would run.
#[derive(Clone, Debug)]
pub struct DryRunWorker {
    pub worker: WorkerName,
    pub kind: AdapterKind,
    pub role: Role,
    pub model: Option<String>,
    /// The command line, shell-quoted; `None` for a replay worker or one that cannot run.
    pub command: Option<String>,
    /// The replay fixture a replay worker answers from.
    pub fixture: Option<PathBuf>,
    pub sandbox: Option<String>,
    /// What the user should know about that sandbox (e.g. that Claude is not confined as root).
    pub sandbox_note: Option<String>,
    /// Why it would be `not-run`.
    pub not_run: Option<String>,
}

/// What a run would do.
#[derive(Clone, Debug)]
pub struct DryRun {
    pub workdir: PathBuf,
    pub folder: DryRunFolder,
    pub deadline: Duration,
    pub workers: Vec<DryRunWorker>,
}

/// The placeholder of a run's temp folder, which gets its real name when the run starts.
const TMP_PLACEHOLDER: &str = "okstra-<run-id>";

/// Returns what a run would do.
pub fn dry_run(req: &DryRunRequest<'_>) -> Result<DryRun, RunError> {
    let roster = roster_of(req.settings, req.project, req.env)?;
    let key = TaskKey::new(
        req.project.project_id.clone(),
        req.group.clone(),
        req.id.clone(),
    );
    let decision = plan_task_worktree(
        req.home,
        &TaskWorktreeRequest {
            task_key: &key,
            project_root: req.project.root(),
            category: &req.settings.work_category.value,
            base_ref: req.base_ref,
        },
    )
    .map_err(crate::errors::PrepareError::from)?;
    let folder = match &decision {
        WorktreeDecision::Skipped { status, .. } => DryRunFolder::Skipped(*status),
        WorktreeDecision::Existing { entry, .. } => DryRunFolder::Existing {
            branch: entry.branch.clone(),
        },
        WorktreeDecision::New { .. } => DryRunFolder::New {
            base_ref: req.base_ref.map(str::to_owned),
        },
    };
    let workdir = decision.workdir().to_path_buf();
    let tmp_root = req.settings.tmp_base.join(TMP_PLACEHOLDER);
    let worker_env = req.settings.worker_env();
    let mut workers = Vec::new();
    // The analysers, as round 0 starts them.
    for entry in &roster.analysers {
        // As its first attempt would get it; the run's temp folder is named when it starts.
        let tmpdir = tmp_root.join(format!("{}-r0", entry.worker));
        let mut sandbox_note = None;
        let (command, sandbox, not_run) = match (&entry.fixture, &entry.program) {
            (Some(_), _) => (None, Some("none (replay runs no process)".to_owned()), None),
            (None, Err(reason)) => (None, None, Some(reason.to_string())),
            (None, Ok(program)) => {
                let plan = process_plan(
                    entry,
                    program,
                    &LaunchInputs {
                        workdir: &workdir,
                        add_dirs: &[],
                        tmpdir: &tmpdir,
                        worker_env: &worker_env,
                        env: req.env,
                        is_root: crate::worker::unix::is_root(),
                    },
                )?;
                sandbox_note.clone_from(&plan.spec.sandbox_note);
                (Some(plan.spec.display()), Some(plan.spec.sandbox), None)
            }
        };
        workers.push(DryRunWorker {
            worker: entry.worker.clone(),
            kind: entry.kind,
            role: entry.role,
            model: entry.model.clone(),
            command,
            fixture: entry
                .fixture
                .as_ref()
                .and_then(|_| entry.program.as_ref().ok().cloned()),
            sandbox,
            sandbox_note,
            not_run,
        });
    }
    Ok(DryRun {
        workdir,
        folder,
        deadline: req.settings.deadline.value,
        workers,
    })
}
