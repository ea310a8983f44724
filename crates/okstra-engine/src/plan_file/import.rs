//! Owns `okstra plan import`: a plan written elsewhere becomes the report of a new
//! `implementation-planning` run of a task (SPEC §7.5), so the ledger and carry paths of later
//! stages resolve. No worker runs, so the run needs no worktree and no base ref: the seq is
//! taken under the task lock (as preparation takes it), the run's folders are made, the
//! markdown is copied to `reports/final-report-implementation-planning-<seq>.md` (its approval
//! kept, or `approved: false` added), and the manifest (`completed`, kind `imported`), the
//! timeline entry and the index `started` and `done` rows are written.
//!
//! The plan is checked before anything is written; a failing plan is refused with every
//! violation.

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use okstra_core::events::{Checkpoint, ManifestEvent};
use okstra_core::index::{IndexEvent, IndexRow};
use okstra_core::manifest::{RunKind, RunManifest, WorktreeInfo};
use okstra_core::run_paths::relative_to;
use okstra_core::status::{RunStatus, WorktreeStatus};
use okstra_core::{OKSTRA_VERSION, RunId, RunSeq, TaskKey, TaskName, TaskType};

use super::error::PlanFileError;
use crate::fs_atomic::{write_json, write_text};
use crate::home::Home;
use crate::lock::lock_exclusive;
use crate::prepare::{allocate_seq, first_spelling, upsert_timeline};
use crate::project::LoadedProject;

/// What to import, and where.
#[derive(Clone, Debug)]
pub struct ImportRequest {
    pub group: TaskName,
    pub id: TaskName,
    /// The markdown plan to import.
    pub source: PathBuf,
    /// `OKSTRA_RUN_SEQ_OVERRIDE`: the run's seq (refused when it exists).
    pub seq_override: Option<RunSeq>,
}

/// An imported plan's run.
#[derive(Clone, Debug)]
pub struct ImportedPlan {
    pub manifest: RunManifest,
    pub manifest_path: PathBuf,
    /// The report: the imported markdown.
    pub report: PathBuf,
    /// How many stages the plan has.
    pub stages: usize,
}

/// Imports the markdown plan `req.source` into a task of `project` as a new
/// implementation-planning run; refuses a plan that fails `plan check`.
pub fn import_plan(
    home: &Home,
    project: &LoadedProject,
    req: &ImportRequest,
) -> Result<ImportedPlan, PlanFileError> {
    let text = super::load::read_text(&req.source)?;
    let source = fs_err::canonicalize(&req.source).unwrap_or_else(|_| req.source.clone());
    let checked = super::check::check_markdown_text(&text);
    if !checked.violations.is_empty() {
        return Err(PlanFileError::Failing {
            path: req.source.clone(),
            shown_path: req.source.display().to_string(),
            violations: checked.violations,
        });
    }
    let markdown = super::edit::with_approval_recorded(&req.source, &text, checked.approved)?;
    let (manifest, manifest_path, report) = write_run(home, project, req, &source, &markdown)?;
    Ok(ImportedPlan {
        manifest,
        manifest_path,
        report,
        stages: checked.stages,
    })
}

/// Writes the run of an imported plan whose report is `markdown`.
fn write_run(
    home: &Home,
    project: &LoadedProject,
    req: &ImportRequest,
    source: &Path,
    markdown: &str,
) -> Result<(RunManifest, PathBuf, PathBuf), PlanFileError> {
    let task_paths = project.paths.task(req.group.segment(), req.id.segment());
    let task_key = first_spelling(
        TaskKey::new(
            project.project_id.clone(),
            req.group.clone(),
            req.id.clone(),
        ),
        &task_paths,
    )?;
    crate::project::ensure_on_disk(home, project).map_err(crate::errors::PrepareError::from)?;
    crate::project::register(home, project).map_err(crate::errors::PrepareError::from)?;

    let task_type = TaskType::ImplementationPlanning;
    let now = Timestamp::now();
    let manifest = {
        let _task_lock = lock_exclusive(&task_paths.lock())?;
        let seq = allocate_seq(&task_paths, &task_key, task_type, None, req.seq_override)?;
        let paths = task_paths.run(task_type, seq, None);
        for dir in paths.directories() {
            crate::private::create_dir_all(&dir)?;
        }
        write_text(&paths.report_markdown(), markdown)?;
        let manifest = imported_manifest(project, &task_key, seq, now, source);
        write_json(&paths.manifest(), &manifest)?;
        upsert_timeline(&task_paths, &manifest)?;
        manifest
    };
    home.append_index(&IndexRow::of(&manifest, IndexEvent::Started))?;
    home.append_index(&IndexRow::of(&manifest, IndexEvent::Done))?;
    let paths = manifest.paths();
    Ok((manifest, paths.manifest(), paths.report_markdown()))
}

/// Returns the manifest of an imported plan's run: completed at `now`, kind `imported`, no
/// workers, no worktree.
fn imported_manifest(
    project: &LoadedProject,
    task_key: &TaskKey,
    seq: RunSeq,
    now: Timestamp,
    source: &Path,
) -> RunManifest {
    let root = project.root();
    let task_paths = project
        .paths
        .task(task_key.group().segment(), task_key.id().segment());
    let brief = task_paths
        .brief()
        .is_file()
        .then(|| relative_to(&task_paths.brief(), root).display().to_string());
    let mut manifest = RunManifest {
        schema_version: Some(RunManifest::current_schema_version()),
        run_id: RunId::generate(),
        project_id: project.project_id.clone(),
        project_root: root.display().to_string(),
        task_group: task_key.group().clone(),
        task_id: task_key.id().clone(),
        task_type: TaskType::ImplementationPlanning,
        run_seq: seq,
        stage: None,
        status: RunStatus::Completed,
        created_at: now,
        updated_at: now,
        finished_at: Some(now),
        brief,
        worktree: WorktreeInfo {
            status: WorktreeStatus::NotNeeded,
            path: None,
            branch: None,
            base_ref: None,
            anchor_base_commit: None,
            workdir: root.display().to_string(),
        },
        workers: Vec::new(),
        checkpoints: Vec::new(),
        events: Vec::new(),
        okstra_version: OKSTRA_VERSION.to_owned(),
        pid: None,
        pid_start: None,
        replay: false,
        recipe: None,
        kind: Some(RunKind::Imported),
        stage_run: None,
        tmux_session: None,
        tmux_socket: None,
    };
    manifest.push_event(ManifestEvent {
        at: now,
        checkpoint: RunKind::Imported.as_str().to_owned(),
        message: format!("imported source={}", source.display()),
    });
    for checkpoint in [Checkpoint::Prepare, Checkpoint::Report, Checkpoint::Persist] {
        manifest.pass_checkpoint(checkpoint, now);
    }
    manifest
}
