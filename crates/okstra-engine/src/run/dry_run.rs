//! Owns `--dry-run` (SPEC §4 step 0): for every worker of a run — analysers, critic, report
//! writer — the exact command line, folder, sandbox, model and deadline it would use, and
//! whether it would be `not-run`; the budget; and every refusal the real run would meet before
//! spawning anything. It is computed by the same planning, probing, worktree decision, checks
//! and launch code a run uses, with nothing written.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use okstra_core::budget::Budget;
use okstra_core::config::AdapterKind;
use okstra_core::settings::RunSettings;
use okstra_core::status::WorktreeStatus;
use okstra_core::worker_name::{Role, WorkerName};
use okstra_core::{TaskKey, TaskName, TaskType};

use super::launch::{LaunchInputs, process_plan};
use super::preflight::{
    refuse_if_no_analyser_can_run, refuse_if_stage_team_cannot_run, refuse_unrunnable,
    refuse_without_brief,
};
use super::prompts::read_shared;
use super::roster::{RosterEntry, probe_roster, roster_for};
use crate::errors::{PrepareError, RunError};
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
    /// The text of `--brief` / `--brief-text`, when given.
    pub brief: Option<&'a str>,
    /// `--related`: each must be a task of the project.
    pub related: &'a [super::request::RelatedTask],
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
    /// Why it would be `not-run`: its CLI missing or not logged in (the check `okstra doctor`
    /// makes).
    pub not_run: Option<String>,
}

/// What a run would do, and what would stop it.
#[derive(Debug)]
pub struct DryRun {
    pub workdir: PathBuf,
    pub folder: DryRunFolder,
    pub deadline: Duration,
    /// The analysers, then the critic when it is enabled, then the report writer.
    pub workers: Vec<DryRunWorker>,
    pub budget: Budget,
    pub max_rounds: u32,
    /// Every refusal the real run would meet, as the error it would stop with; empty when it
    /// would start.
    pub refusals: Vec<RunError>,
    /// The workers would have no brief: the real run is refused for it, the dry run only warns
    /// (the brief is usually what is written last).
    pub no_brief: Option<RunError>,
}

/// The placeholder of a run's temp folder, which gets its real name when the run starts.
const TMP_PLACEHOLDER: &str = "okstra-<run-id>";

/// Returns what a run would do and every refusal it would meet. Blocks while the workers' CLIs
/// are probed (their versions and logins, as the run does). An error is a check that could
/// not be made at all (an unusable worker configuration, a task type okstra cannot run).
pub fn dry_run(req: &DryRunRequest<'_>) -> Result<DryRun, RunError> {
    refuse_unrunnable(req.task_type)?;
    let mut roster = roster_for(req.task_type, req.settings, req.project, req.env)?;
    let key = TaskKey::new(
        req.project.project_id.clone(),
        req.group.clone(),
        req.id.clone(),
    );
    let mut refusals = Vec::new();
    let mut no_brief = None;
    let task = req
        .project
        .paths
        .task(req.group.segment(), req.id.segment());
    match read_shared(&task, req.task_type, req.brief) {
        Ok((brief, _)) => {
            no_brief = refuse_without_brief(&task, &key, req.task_type, &brief).err();
        }
        Err(e) => refusals.push(e),
    }
    if let Err(e) = super::preflight::refuse_unknown_related(req.project, &key, req.related) {
        refusals.push(e.into());
    }
    if req.task_type == okstra_core::TaskType::ReleaseHandoff
        && let Err(e) = crate::handoff::refuse_unready(req.project, &task, &key.to_string())
    {
        refusals.push(e.into());
    }
    if req.task_type == okstra_core::TaskType::FinalVerification
        && let Err(e) = super::fv_ready::read_ready_task(&super::fv_ready::TaskAsk {
            home: req.home,
            root: req.project.root(),
            project_id: &req.project.project_id,
            group: req.group,
            id: req.id,
            repair: false,
        })
    {
        refusals.push(e);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(RunError::Runtime)?;
    runtime.block_on(probe_roster(
        &mut roster,
        req.env,
        &req.settings.worker_env(),
    ));
    // A stage run's team is its executor and verifier; the others' is their analysers.
    refusals.extend(
        if req.task_type.is_stage_scoped() {
            refuse_if_stage_team_cannot_run(&roster, None)
        } else {
            refuse_if_no_analyser_can_run(&roster)
        }
        .err(),
    );
    let planned = plan_task_worktree(
        req.home,
        &TaskWorktreeRequest {
            task_key: &key,
            project_root: req.project.root(),
            category: &req.settings.work_category.value,
            base_ref: req.base_ref,
        },
    )
    .map_err(PrepareError::from)?;
    if let Err(e) = planned.check {
        refusals.push(PrepareError::from(e).into());
    }
    if let Some(seq) = &req.settings.run_seq_override {
        let stage = None;
        if let Err(e) = crate::prepare::check_seq_free(&task, &key, req.task_type, stage, seq.value)
        {
            refusals.push(e.into());
        }
    }
    let decision = planned.decision;
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
    let inputs = WorkerInputs {
        workdir: &workdir,
        tmp_root: req.settings.tmp_base.join(TMP_PLACEHOLDER),
        worker_env: req.settings.worker_env(),
        env: req.env,
        max_rounds: req.settings.max_rounds.value,
    };
    let workers = roster
        .everyone()
        .map(|entry| dry_run_worker(entry, &inputs))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(DryRun {
        workdir,
        folder,
        deadline: req.settings.deadline.value,
        workers,
        budget: req.settings.budget(),
        max_rounds: req.settings.max_rounds.value,
        refusals,
        no_brief,
    })
}

/// What every worker's command line is made from.
struct WorkerInputs<'a> {
    workdir: &'a std::path::Path,
    tmp_root: PathBuf,
    worker_env: BTreeMap<String, String>,
    env: &'a BTreeMap<String, String>,
    max_rounds: u32,
}

/// Returns one worker as its first attempt would be started: in its round's temp folder —
/// round 0 for analysers and the report writer, `maxRounds + 1` for the critic.
fn dry_run_worker(
    entry: &RosterEntry,
    inputs: &WorkerInputs<'_>,
) -> Result<DryRunWorker, RunError> {
    let round = if entry.role == Role::Critic {
        inputs.max_rounds + 1
    } else {
        0
    };
    let tmpdir = inputs.tmp_root.join(format!("{}-r{round}", entry.worker));
    let mut sandbox_note = None;
    let (command, sandbox, not_run) = match (&entry.fixture, &entry.program) {
        (Some(_), _) => (None, Some("none (replay runs no process)".to_owned()), None),
        (None, Err(reason)) => (None, None, Some(reason.to_string())),
        (None, Ok(program)) => {
            let plan = process_plan(
                entry,
                program,
                &LaunchInputs {
                    workdir: inputs.workdir,
                    add_dirs: &[],
                    tmpdir: &tmpdir,
                    worker_env: &inputs.worker_env,
                    env: inputs.env,
                    is_root: crate::worker::unix::is_root(),
                },
            )?;
            sandbox_note.clone_from(&plan.spec.sandbox_note);
            (Some(plan.spec.display()), Some(plan.spec.sandbox), None)
        }
    };
    Ok(DryRunWorker {
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
    })
}
