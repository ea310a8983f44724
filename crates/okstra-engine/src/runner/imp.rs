//! Owns the lifecycle of a run (SPEC §4): prepare → prompts → round 0 → convergence → critic
//! → report → validate → persist (manifest status, timeline, index `done` row). Every step is
//! a checkpoint in the manifest, written by this one owner; a resumed run enters the same
//! steps and skips what its files show done.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use okstra_core::config::{AdapterKind, Language};
use okstra_core::events::{Checkpoint, RunEvent};
use okstra_core::findings::converge::ConvergenceState;
use okstra_core::index::IndexEvent;
use okstra_core::manifest::{ManifestWorker, RunManifest};
use okstra_core::prompt::ContextSection;
use okstra_core::redact::Redactor;
use okstra_core::run_paths::RunPaths;
use okstra_core::status::{RunStatus, WorkerStatus};
use okstra_core::team_state::TeamState;
use okstra_core::tokens::TokenUsage;
use okstra_core::{RunId, TaskType};
use tokio_util::sync::CancellationToken;

use super::analysis::{Budget, FlowInputs, Team, converge, critic, initial_state, round_zero};
use super::plan::{RosterEntry, probe_entries};
use super::report::{ReportInputs, report};
use super::{EventSink, RunContext, WorkerResult};
use crate::errors::RunError;
use crate::fs_atomic::{read_optional, write_json};
use crate::home::Home;
use crate::kill_hook;
use crate::lock::lock_exclusive;
use crate::prepare::{PrepareRequest, index_row, prepare_run, upsert_timeline};
use crate::project::LoadedProject;
use crate::validate::{ValidationFailure, validate_run_dir};
use crate::worker::WorkerLimits;
use crate::worker::unix::become_subreaper;

/// Everything a run needs.
pub struct RunRequest {
    pub home: Home,
    pub project: LoadedProject,
    pub prepare: PrepareRequest,
    /// The analysers.
    pub roster: Vec<RosterEntry>,
    /// The critic, when enabled.
    pub critic: Option<RosterEntry>,
    /// The report writer.
    pub report_writer: Option<RosterEntry>,
    pub max_rounds: u32,
    pub budget: Budget,
    pub language: Language,
    pub limits: WorkerLimits,
    /// okstra's environment (workers inherit it minus `OKSTRA_*`).
    pub env: BTreeMap<String, String>,
    /// `workerEnv`.
    pub worker_env: BTreeMap<String, String>,
    /// Where private worker TMPDIRs are made.
    pub tmp_root: PathBuf,
    pub is_root: bool,
    pub cancel: CancellationToken,
    pub sink: EventSink,
}

/// What a run did.
#[derive(Clone, Debug)]
pub struct RunSummary {
    pub run_id: RunId,
    pub paths: RunPaths,
    pub manifest: RunManifest,
    /// Round-0 results of the analysers.
    pub workers: Vec<WorkerResult>,
    pub status: RunStatus,
    pub wall: Duration,
    pub tokens: TokenUsage,
    pub report: Option<PathBuf>,
    /// Finding counts by consensus class, in `ConsensusClass::ALL` order.
    pub classes: Vec<(String, usize)>,
    pub validation: Vec<ValidationFailure>,
    pub stopped: Option<String>,
}

/// Runs a task type on a task: prepare, then every step.
pub async fn execute_run(req: RunRequest) -> Result<RunSummary, RunError> {
    let started = Instant::now();
    become_subreaper();
    let mut prepare = req.prepare.clone();
    prepare.pid = Some(std::process::id());
    prepare.status = RunStatus::Running;
    let everyone: Vec<&RosterEntry> = req
        .roster
        .iter()
        .chain(req.critic.iter())
        .chain(req.report_writer.iter())
        .collect();
    prepare.replay = everyone.iter().any(|e| e.kind == AdapterKind::Replay);
    prepare.workers = everyone
        .iter()
        .map(|e| ManifestWorker {
            worker: e.worker.to_string(),
            kind: e.kind.as_str().to_owned(),
            role: e.role.as_str().to_owned(),
            model: e.model.clone(),
        })
        .collect();
    let prepared = prepare_run(&req.home, &req.project, &prepare)?;
    // Held while this okstra drives the run: a concurrent `okstra resume` is refused.
    let _run_lock =
        crate::lock::try_lock_exclusive(&prepared.paths.run_lock())?.ok_or_else(|| {
            RunError::Busy {
                run_id: prepared.run_id().to_string(),
            }
        })?;
    (req.sink)(&RunEvent::Prepared {
        run_dir: prepared.manifest.run_dir.clone(),
        seq: prepared.manifest.run_seq.get(),
    });
    let team_state = TeamState::new(
        prepared.run_id().to_string(),
        prepared.manifest.task_type.to_string(),
        prepared.manifest.run_seq.get(),
        Timestamp::now(),
    );
    let ctx = context(
        &req,
        prepared.task_key,
        prepared.paths,
        prepared.manifest,
        team_state,
    );
    drive(req, ctx, started).await
}

/// Returns the run context of a run.
pub(crate) fn context(
    req: &RunRequest,
    task_key: okstra_core::TaskKey,
    paths: RunPaths,
    manifest: RunManifest,
    team: TeamState,
) -> RunContext {
    let mut all_env = req.env.clone();
    all_env.extend(req.worker_env.clone());
    let run_id = manifest.run_id;
    RunContext {
        task_key,
        paths,
        manifest,
        team,
        limits: req.limits,
        redactor: Redactor::from_env(&all_env),
        tmp_root: req.tmp_root.join(format!("okstra-{run_id}")),
        cancel: req.cancel.clone(),
        sink: req.sink.clone(),
        saved: super::SavedDigests::default(),
    }
}

async fn team(req: &RunRequest) -> (Team, Option<RosterEntry>, Option<RosterEntry>) {
    let mut all_env = req.env.clone();
    all_env.extend(req.worker_env.clone());
    let everyone: Vec<RosterEntry> = req
        .roster
        .iter()
        .chain(req.critic.iter())
        .chain(req.report_writer.iter())
        .cloned()
        .collect();
    let mut clis = BTreeMap::new();
    let mut probed = probe_entries(everyone, &req.env, &all_env)
        .await
        .into_iter();
    let mut take = |n: usize| -> Vec<RosterEntry> {
        probed
            .by_ref()
            .take(n)
            .map(|(entry, info)| {
                clis.insert(entry.worker.to_string(), info);
                entry
            })
            .collect()
    };
    let analysers = take(req.roster.len());
    let critic = take(usize::from(req.critic.is_some())).pop();
    let writer = take(usize::from(req.report_writer.is_some())).pop();
    (Team { analysers, clis }, critic, writer)
}

/// Returns the task's latest report of every other task type, as prompt context.
fn prior_reports(ctx: &RunContext) -> Vec<ContextSection> {
    let mut out = Vec::new();
    for task_type in TaskType::ALL {
        if task_type == ctx.manifest.task_type {
            continue;
        }
        let dir = ctx.paths.task().run_dir(task_type, None).join("reports");
        let Ok(entries) = fs_err::read_dir(&dir) else {
            continue;
        };
        let latest = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().ends_with(".data.json"))
            .max_by_key(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .and_then(|n| n.trim_end_matches(".data.json").rsplit('-').next())
                    .and_then(|n| n.parse::<u32>().ok())
                    .unwrap_or(0)
            });
        let Some(path) = latest else {
            continue;
        };
        let Ok(text) = fs_err::read_to_string(&path) else {
            continue;
        };
        let Ok(data) = serde_json::from_str::<okstra_core::report::ReportData>(&text) else {
            continue;
        };
        out.push(ContextSection {
            title: format!("Prior report: {task_type} #{}", data.frontmatter.run_seq),
            body: format!(
                "{}\n\n(full report: {})",
                data.narrative.summary.trim(),
                path.with_extension("").with_extension("md").display()
            ),
        });
    }
    out
}

/// Runs every step a run still needs, then persists it.
pub(crate) async fn drive(
    req: RunRequest,
    mut ctx: RunContext,
    started: Instant,
) -> Result<RunSummary, RunError> {
    let (team, critic_entry, writer) = team(&req).await;
    let brief = match &ctx.manifest.brief {
        Some(rel) => fs_err::read_to_string(req.project.root().join(rel)).unwrap_or_default(),
        None => String::new(),
    };
    let inputs = FlowInputs {
        brief,
        workdir: PathBuf::from(&ctx.manifest.worktree.workdir),
        env: req.env.clone(),
        worker_env: req.worker_env.clone(),
        is_root: req.is_root,
        prior: prior_reports(&ctx),
    };
    let results = round_zero(&mut ctx, &inputs, &team).await?;
    let any_completed = results.iter().any(|r| r.status == WorkerStatus::Completed);
    // A resumed run keeps the convergence it saved once a round was recorded on it; before
    // that, round 0 (now complete) decides it afresh, and the merged findings are saved for
    // whoever looks while the rounds run.
    let saved = read_optional(&ctx.paths.convergence())?
        .and_then(|t| ConvergenceState::parse(&t).ok())
        .filter(|s| !s.rounds.is_empty() || s.critic.is_some() || s.stopped.is_some());
    let mut state = if let Some(state) = saved {
        state
    } else {
        let state = initial_state(&ctx, &results, req.max_rounds);
        if !ctx.cancel.is_cancelled() {
            write_json(&ctx.paths.convergence(), &state)?;
        }
        state
    };
    let mut report_path = None;
    if !ctx.cancel.is_cancelled() && any_completed {
        converge(&mut ctx, &inputs, &team, &mut state, req.budget).await?;
        if let Some(critic_entry) = &critic_entry
            && !ctx.cancel.is_cancelled()
        {
            critic(
                &mut ctx,
                &inputs,
                &team,
                critic_entry,
                &mut state,
                req.budget,
            )
            .await?;
        }
    }
    if !ctx.cancel.is_cancelled() {
        let report_inputs = ReportInputs {
            writer: if any_completed { writer.as_ref() } else { None },
            language: req.language,
            budget: req.budget,
        };
        report_path = Some(report(&mut ctx, &inputs, &team, &state, &report_inputs).await?);
    }
    let status = if ctx.cancel.is_cancelled() {
        RunStatus::Interrupted
    } else if !any_completed {
        RunStatus::Failed
    } else {
        RunStatus::Completed
    };
    // The validator reads what is on disk: persist team state and manifest first.
    ctx.save_team()?;
    ctx.save_manifest()?;
    let validation = if report_path.is_some() {
        validate_run_dir(&ctx.paths, &ctx.manifest)
    } else {
        Vec::new()
    };
    let status = if validation.is_empty() {
        status
    } else {
        RunStatus::Failed
    };
    finish(&req.home, &req.project, &mut ctx, status)?;
    let _ = fs_err::remove_dir_all(&ctx.tmp_root);
    let classes = state.compute_classes();
    let class_counts = okstra_core::findings::ConsensusClass::ALL
        .iter()
        .map(|c| {
            (
                c.as_str().to_owned(),
                classes.values().filter(|v| *v == c).count(),
            )
        })
        .collect();
    Ok(RunSummary {
        run_id: ctx.manifest.run_id,
        paths: ctx.paths.clone(),
        manifest: ctx.manifest.clone(),
        tokens: ctx.team.total_tokens(),
        workers: results,
        status,
        wall: started.elapsed(),
        report: report_path,
        classes: class_counts,
        validation,
        stopped: state.stopped.clone(),
    })
}

/// Returns the title of a task type's prompts.
pub(crate) fn title(task_type: TaskType) -> &'static str {
    match task_type {
        TaskType::RequirementsDiscovery => "Requirements discovery",
        TaskType::ErrorAnalysis => "Error analysis",
        TaskType::ImplementationPlanning => "Implementation planning",
        TaskType::Implementation => "Implementation",
        TaskType::FinalVerification => "Final verification",
        TaskType::ReleaseHandoff => "Release hand-off",
    }
}

/// Records the run's end: manifest status and checkpoint, timeline entry, index `done` row.
pub fn finish(
    home: &Home,
    project: &LoadedProject,
    ctx: &mut RunContext,
    status: RunStatus,
) -> Result<(), RunError> {
    let now = Timestamp::now();
    ctx.manifest.status = status;
    ctx.manifest.finished_at = Some(now);
    ctx.manifest.pid = None;
    super::analysis::emit(
        ctx,
        &RunEvent::Finished {
            status: status.to_string(),
        },
    );
    if status != RunStatus::Interrupted {
        ctx.manifest.pass_checkpoint(Checkpoint::Persist, now);
    }
    ctx.save_manifest()?;
    ctx.save_team()?;
    let task = ctx.paths.task().clone();
    {
        let _lock = lock_exclusive(&task.lock())?;
        upsert_timeline(&task, &ctx.task_key, &ctx.manifest, project.root())?;
    }
    home.append_index(&index_row(&ctx.manifest, IndexEvent::Done, &ctx.paths))?;
    if status != RunStatus::Interrupted {
        kill_hook::passed(Checkpoint::Persist);
    }
    Ok(())
}
