//! Owns the lifecycle of a run (SPEC §4): prepare → prompts → dispatch and collect (round 0)
//! → persist (manifest status, timeline, index `done` row). Every step is a checkpoint in the
//! manifest, written by this one owner.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use okstra_core::RunId;
use okstra_core::config::AdapterKind;
use okstra_core::events::{Checkpoint, RunEvent};
use okstra_core::index::IndexEvent;
use okstra_core::manifest::RunManifest;
use okstra_core::prompt::{ContextSection, FINDINGS_CONTRACT, PromptInput, profile, render_prompt};
use okstra_core::redact::Redactor;
use okstra_core::run_paths::{ArtifactKind, RoundTag, RunPaths};
use okstra_core::status::{RunStatus, WorkerStatus};
use okstra_core::team_state::TeamState;
use okstra_core::tokens::TokenUsage;
use tokio_util::sync::CancellationToken;

use super::dispatcher::run_round;
use super::plan::{ProcessInputs, RosterEntry, cli_info, codex_authenticated, launch_for};
use super::{EventSink, PlannedWorker, RunContext, WorkerResult};
use crate::errors::RunError;
use crate::fs_atomic::write_json;
use crate::home::Home;
use crate::lock::lock_exclusive;
use crate::prepare::{PrepareRequest, index_row, prepare_run, upsert_timeline};
use crate::project::LoadedProject;
use crate::worker::WorkerLimits;
use crate::worker::unix::become_subreaper;

/// Everything a run needs.
pub struct RunRequest {
    pub home: Home,
    pub project: LoadedProject,
    pub prepare: PrepareRequest,
    pub roster: Vec<RosterEntry>,
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
    pub workers: Vec<WorkerResult>,
    pub status: RunStatus,
    pub wall: Duration,
    pub tokens: TokenUsage,
}

/// Runs a task type on a task: prepare, prompts, round 0, persist.
pub async fn execute_run(req: RunRequest) -> Result<RunSummary, RunError> {
    let started = Instant::now();
    become_subreaper();
    let mut prepare = req.prepare.clone();
    prepare.pid = Some(std::process::id());
    prepare.status = RunStatus::Running;
    prepare.replay = req.roster.iter().any(|e| e.kind == AdapterKind::Replay);
    prepare.workers = req
        .roster
        .iter()
        .map(|e| okstra_core::manifest::ManifestWorker {
            worker: e.worker.to_string(),
            kind: e.kind.as_str().to_owned(),
            role: e.role.as_str().to_owned(),
            model: e.model.clone(),
        })
        .collect();
    let prepared = prepare_run(&req.home, &req.project, &prepare)?;
    (req.sink)(&RunEvent::Prepared {
        run_dir: prepared.manifest.run_dir.clone(),
        seq: prepared.manifest.run_seq.get(),
    });

    let mut roster = req.roster.clone();
    let mut clis = Vec::with_capacity(roster.len());
    for entry in &mut roster {
        if entry.kind == AdapterKind::Codex
            && entry.program.is_ok()
            && !codex_authenticated(entry, &merged_env(&req.env, &req.worker_env)).await
        {
            entry.program = Err(
                "codex is not logged in: run `codex login`, or set CODEX_API_KEY (or \
                 OPENAI_API_KEY) in the environment or workerEnv"
                    .to_owned(),
            );
        }
        clis.push(cli_info(entry, &req.env).await);
    }

    let run_id = prepared.run_id();
    let mut worker_env_all = req.env.clone();
    worker_env_all.extend(req.worker_env.clone());
    let mut ctx = RunContext {
        task_key: prepared.task_key.clone(),
        team: TeamState::new(
            run_id.to_string(),
            prepared.manifest.task_type.to_string(),
            prepared.manifest.run_seq.get(),
            Timestamp::now(),
        ),
        paths: prepared.paths.clone(),
        manifest: prepared.manifest.clone(),
        limits: req.limits,
        redactor: Redactor::from_env(&worker_env_all),
        tmp_root: req.tmp_root.join(format!("okstra-{run_id}")),
        cancel: req.cancel.clone(),
        sink: req.sink.clone(),
    };

    let brief = match &prepared.manifest.brief {
        Some(rel) => fs_err::read_to_string(req.project.root().join(rel)).unwrap_or_default(),
        None => String::new(),
    };
    let workdir = PathBuf::from(&prepared.worktree.workdir);
    let round = RoundTag::Round(0);
    let mut planned = Vec::with_capacity(roster.len());
    for (entry, cli) in roster.iter().zip(clis) {
        let result_path = ctx
            .paths
            .artifact(&entry.worker, ArtifactKind::Result, round, 1);
        let prompt = render_prompt(&PromptInput {
            run_id: &run_id.to_string(),
            task_type: ctx.manifest.task_type,
            seq: ctx.manifest.run_seq.get(),
            stage: ctx.manifest.stage.map(okstra_core::Stage::get),
            worker: entry.worker.as_str(),
            kind: entry.kind.as_str(),
            role: entry.role,
            project_root: &ctx.manifest.project_root,
            result_path: &result_path.display().to_string(),
            round,
            workdir: &workdir.display().to_string(),
            title: title(ctx.manifest.task_type),
            profile: profile(ctx.manifest.task_type),
            brief: if brief.trim().is_empty() {
                "(no brief was given)"
            } else {
                &brief
            },
            context: &[ContextSection {
                title: "Context".to_owned(),
                body: format!(
                    "- Task: {}\n- Working directory: {} ({})",
                    ctx.manifest.task_key,
                    workdir.display(),
                    prepared.worktree.status
                ),
            }],
            contract: FINDINGS_CONTRACT,
        })?;
        let launch = launch_for(
            entry,
            &ProcessInputs {
                workdir: &workdir,
                add_dirs: &[],
                tmpdir: ctx.tmp_root.join(format!("{}-r0", entry.worker)),
                worker_env: &req.worker_env,
                env: &req.env,
                is_root: req.is_root,
            },
        )?;
        planned.push(PlannedWorker {
            worker: entry.worker.clone(),
            kind: entry.kind,
            role: entry.role,
            model: entry.model.clone(),
            round,
            cli,
            launch,
            prompt,
            check: None,
        });
    }
    emit(
        &mut ctx,
        &RunEvent::Prompts {
            count: planned.len(),
        },
    );
    ctx.manifest
        .pass_checkpoint(Checkpoint::Prompts, Timestamp::now());
    write_json(&ctx.paths.manifest(), &ctx.manifest)?;

    let results = run_round(&mut ctx, planned).await?;
    ctx.manifest
        .pass_checkpoint(Checkpoint::Collect, Timestamp::now());

    let status = if ctx.cancel.is_cancelled() {
        RunStatus::Interrupted
    } else if results.iter().all(|r| r.status != WorkerStatus::Completed) {
        RunStatus::Failed
    } else {
        RunStatus::Completed
    };
    finish(&req.home, &req.project, &mut ctx, status)?;
    let _ = fs_err::remove_dir_all(&ctx.tmp_root);
    let tokens = results
        .iter()
        .fold(TokenUsage::default(), |acc, r| acc.plus(&r.usage));
    Ok(RunSummary {
        run_id,
        paths: ctx.paths.clone(),
        manifest: ctx.manifest.clone(),
        workers: results,
        status,
        wall: started.elapsed(),
        tokens,
    })
}

fn merged_env(
    env: &BTreeMap<String, String>,
    extra: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut out = env.clone();
    out.extend(extra.clone());
    out
}

fn title(task_type: okstra_core::TaskType) -> &'static str {
    use okstra_core::TaskType as T;
    match task_type {
        T::RequirementsDiscovery => "Requirements discovery",
        T::ErrorAnalysis => "Error analysis",
        T::ImplementationPlanning => "Implementation planning",
        T::Implementation => "Implementation",
        T::FinalVerification => "Final verification",
        T::ReleaseHandoff => "Release hand-off",
    }
}

fn emit(ctx: &mut RunContext, event: &RunEvent) {
    (ctx.sink)(event);
    if event.is_recorded() {
        ctx.manifest.push_event(event.to_manifest(Timestamp::now()));
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
    emit(
        ctx,
        &RunEvent::Finished {
            status: status.to_string(),
        },
    );
    if status != RunStatus::Interrupted {
        ctx.manifest.pass_checkpoint(Checkpoint::Persist, now);
    }
    write_json(&ctx.paths.manifest(), &ctx.manifest)?;
    write_json(&ctx.paths.team_state(), &ctx.team)?;
    let task = ctx.paths.task().clone();
    {
        let _lock = lock_exclusive(&task.lock())?;
        upsert_timeline(&task, &ctx.task_key, &ctx.manifest, project.root())?;
    }
    home.append_index(&index_row(&ctx.manifest, IndexEvent::Done, &ctx.paths))?;
    Ok(())
}
