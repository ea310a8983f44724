//! Owns run preparation (SPEC §4 step 1) as one function: identity → project meta → task
//! worktree → stage (an implementation run's hook: selection, reservation, stage worktree —
//! `run::stage_prepare`) → seq allocation under the per-task lock → brief → directories →
//! manifest → timeline entry → index `started` row.
//!
//! The per-task lock is held only around seq allocation and the files that must agree with
//! it (manifest, brief, timeline) — milliseconds, never the run.

use std::path::PathBuf;

use jiff::Timestamp;
use okstra_core::index::{IndexEvent, IndexRow};
use okstra_core::manifest::{ManifestWorker, RunManifest, WorktreeInfo};
use okstra_core::run_paths::{RunPaths, TaskPaths, relative_to};
use okstra_core::status::RunStatus;
use okstra_core::timeline::{Timeline, TimelineEntry};
use okstra_core::{OKSTRA_VERSION, RunId, RunSeq, Stage, TaskKey, TaskName, TaskType};

use crate::errors::{PathError, PrepareError, StoreError};
use crate::event_sink::EventSink;
use crate::fs_atomic::{read_optional, write_json, write_text};
use crate::git::worktree::{TaskWorktreeRequest, provision_task_worktree};
use crate::home::Home;
use crate::lock::lock_exclusive;
use crate::project::LoadedProject;

/// What a run needs prepared.
#[derive(Clone, Debug)]
pub(crate) struct PrepareRequest {
    pub group: TaskName,
    pub id: TaskName,
    pub task_type: TaskType,
    /// The text of `--brief`, when given.
    pub brief: Option<String>,
    /// `--base-ref`.
    pub base_ref: Option<String>,
    /// The branch category (`workCategory`).
    pub category: String,
    /// The stage of an implementation run. Stage selection (SPEC §8) plugs in here, before run
    /// paths are computed, because the run directory is stage-scoped.
    pub stage: Option<Stage>,
    /// `OKSTRA_RUN_SEQ_OVERRIDE`.
    pub seq_override: Option<RunSeq>,
    /// `prepared` for `--prepare-only`, `running` for a run that starts now.
    pub status: RunStatus,
    pub workers: Vec<ManifestWorker>,
    /// The okstra process that will drive the run.
    pub pid: Option<u32>,
    pub replay: bool,
    /// The resolved settings, recorded for `okstra resume`.
    pub recipe: Option<okstra_core::manifest::RunRecipe>,
    /// The stage record of an implementation run (its manifest's `stageRun`).
    pub stage_run: Option<okstra_core::stage_record::StageRecord>,
    /// Whether the run will run detached, in its tmux session (`okstra-<short id>`, recorded
    /// as the manifest's `tmuxSession`).
    pub detached: bool,
    /// The private tmux server of a detached run (`OKSTRA_TMUX_SOCKET`), recorded as the
    /// manifest's `tmuxSocket`.
    pub tmux_socket: Option<String>,
}

/// A prepared run.
#[derive(Clone, Debug)]
pub struct PreparedRun {
    pub task_key: TaskKey,
    pub paths: RunPaths,
    pub manifest: RunManifest,
    pub worktree: WorktreeInfo,
    /// Where the previous brief went, when `--brief` replaced a different one.
    pub brief_archived: Option<PathBuf>,
}

impl PreparedRun {
    /// Returns the run id.
    pub fn run_id(&self) -> RunId {
        self.manifest.run_id
    }
}

/// What an implementation run's stage gives preparation: the stage, the folder its workers
/// work in, and the manifest's record of it.
#[derive(Clone, Debug)]
pub(crate) struct StagePick {
    pub stage: Stage,
    /// The folder workers run in (absolute): the stage worktree's, or the project root.
    pub workdir: String,
    pub record: okstra_core::stage_record::StageRecord,
}

/// The hook that takes an implementation run's stage once the task worktree is provisioned
/// (given the task key, the task worktree and the run id), before run paths exist.
pub(crate) type StageHook<'a, T, E> =
    Box<dyn FnOnce(&TaskKey, &WorktreeInfo, RunId) -> Result<(Option<StagePick>, T), E> + 'a>;

/// Prepares a run of `project`, taking its stage with `stage` (SPEC §4 step 1: for an
/// implementation run the stage is selected, reserved and given its worktree after the task
/// worktree and before run paths, which are stage-scoped). Returns the hook's value too.
pub(crate) fn prepare_run_with<T, E: From<PrepareError>>(
    home: &Home,
    project: &LoadedProject,
    req: &PrepareRequest,
    sink: &EventSink,
    stage_hook: StageHook<'_, T, E>,
) -> Result<(PreparedRun, T), E> {
    let (task_key, task_worktree) = prepare_task(home, project, req)?;
    let run_id = RunId::generate();
    let (pick, value) = stage_hook(&task_key, &task_worktree, run_id)?;
    let prepared = write_run(
        home,
        project,
        req,
        sink,
        Prepared {
            task_key,
            worktree: task_worktree,
            run_id,
            pick,
        },
    )?;
    Ok((prepared, value))
}

/// Resolves the task's first spellings, makes sure the project is on disk and registered, and
/// provisions the task worktree.
fn prepare_task(
    home: &Home,
    project: &LoadedProject,
    req: &PrepareRequest,
) -> Result<(TaskKey, WorktreeInfo), PrepareError> {
    let task_paths = project.paths.task(req.group.segment(), req.id.segment());
    let task_key = first_spelling(
        TaskKey::new(
            project.project_id.clone(),
            req.group.clone(),
            req.id.clone(),
        ),
        &task_paths,
    )?;

    crate::project::ensure_on_disk(home, project)?;
    crate::project::register(home, project)?;

    let worktree = provision_task_worktree(
        home,
        &TaskWorktreeRequest {
            task_key: &task_key,
            project_root: project.root(),
            category: &req.category,
            base_ref: req.base_ref.as_deref(),
        },
    )?;
    Ok((task_key, worktree))
}

/// What is known of a run before its seq: its task, worktree, id and stage.
struct Prepared {
    task_key: TaskKey,
    worktree: WorktreeInfo,
    run_id: RunId,
    pick: Option<StagePick>,
}

/// Allocates the run's seq under the per-task lock and writes what must agree with it (the
/// directories, the brief, the manifest, the timeline), then appends the index `started` row.
fn write_run(
    home: &Home,
    project: &LoadedProject,
    req: &PrepareRequest,
    sink: &EventSink,
    known: Prepared,
) -> Result<PreparedRun, PrepareError> {
    let root = project.root();
    let Prepared {
        task_key,
        mut worktree,
        run_id,
        pick,
    } = known;
    let task_paths = project.paths.task(req.group.segment(), req.id.segment());
    let (stage, stage_run) = match pick {
        Some(pick) => {
            worktree.workdir = pick.workdir;
            (Some(pick.stage), Some(pick.record))
        }
        None => (req.stage, req.stage_run.clone()),
    };
    let stage = stage.filter(|_| req.task_type.is_stage_scoped());
    let now = Timestamp::now();

    let (paths, manifest, brief_archived) = {
        let _task_lock = lock_exclusive(&task_paths.lock())?;
        let seq = allocate_seq(
            &task_paths,
            &task_key,
            req.task_type,
            stage,
            req.seq_override,
        )?;
        let paths = task_paths.run(req.task_type, seq, stage);
        for dir in paths.directories() {
            crate::private::create_dir_all(&dir)?;
        }
        let brief_archived = match &req.brief {
            Some(text) => store_brief(&task_paths, seq, text)?,
            None => None,
        };
        let brief = task_paths
            .brief()
            .is_file()
            .then(|| relative_to(&task_paths.brief(), root).display().to_string());
        let mut manifest = RunManifest {
            schema_version: Some(RunManifest::current_schema_version()),
            run_id,
            project_id: project.project_id.clone(),
            project_root: root.display().to_string(),
            task_group: task_key.group().clone(),
            task_id: task_key.id().clone(),
            task_type: req.task_type,
            run_seq: seq,
            stage,
            status: req.status,
            created_at: now,
            updated_at: now,
            finished_at: None,
            brief,
            worktree: worktree.clone(),
            workers: req.workers.clone(),
            checkpoints: Vec::new(),
            events: Vec::new(),
            okstra_version: OKSTRA_VERSION.to_owned(),
            pid: req.pid,
            pid_start: req.pid.and_then(crate::worker::unix::process_start),
            replay: req.replay,
            recipe: req.recipe.clone(),
            kind: None,
            stage_run,
            tmux_session: req.detached.then(|| run_id.session_name()),
            tmux_socket: req.tmux_socket.clone().filter(|_| req.detached),
        };
        manifest.pass_checkpoint(okstra_core::events::Checkpoint::Prepare, now);
        let prepared = okstra_core::events::RunEvent::Prepared {
            run_dir: manifest.run_dir(),
            seq,
        };
        crate::event_sink::emit(sink, &mut manifest, &prepared);
        write_json(&paths.manifest(), &manifest)?;
        upsert_timeline(&task_paths, &manifest)?;
        (paths, manifest, brief_archived)
    };

    home.append_index(&IndexRow::of(&manifest, IndexEvent::Started))?;
    crate::kill_hook::passed(okstra_core::events::Checkpoint::Prepare);

    Ok(PreparedRun {
        task_key,
        paths,
        manifest,
        worktree,
        brief_archived,
    })
}

/// Returns the key with the spellings recorded when the task was first seen.
pub(crate) fn first_spelling(key: TaskKey, task: &TaskPaths) -> Result<TaskKey, PrepareError> {
    let path = task.timeline();
    let Some(text) = read_optional(&path)? else {
        return Ok(key);
    };
    let timeline = Timeline::parse(&text).map_err(|source| StoreError::Invalid { path, source })?;
    Ok(match (timeline.task_group, timeline.task_id) {
        (Some(g), Some(i)) => key.with_first_spelling(&g, &i),
        _ => key,
    })
}

/// Returns the next seq of (task, type, stage) — or the override, refused when it exists.
/// Must be called under the task lock.
pub(crate) fn allocate_seq(
    task: &TaskPaths,
    task_key: &TaskKey,
    task_type: TaskType,
    stage: Option<Stage>,
    seq_override: Option<RunSeq>,
) -> Result<RunSeq, PrepareError> {
    if let Some(seq) = seq_override {
        check_seq_free(task, task_key, task_type, stage, seq)?;
        return Ok(seq);
    }
    let dir = task.run(task_type, RunSeq::FIRST, stage).manifests_dir();
    let max =
        crate::seq_files::numbered_files(&dir, &format!("run-manifest-{task_type}-"), ".json")?
            .last()
            .map_or(0, |(n, _)| *n);
    Ok(RunSeq::new(max.saturating_add(1)).unwrap_or(RunSeq::FIRST))
}

/// Refuses a forced seq (`OKSTRA_RUN_SEQ_OVERRIDE`) whose run already exists; `--dry-run`
/// asks it too, without the task lock.
pub(crate) fn check_seq_free(
    task: &TaskPaths,
    task_key: &TaskKey,
    task_type: TaskType,
    stage: Option<Stage>,
    seq: RunSeq,
) -> Result<(), PrepareError> {
    let manifest = task.run(task_type, seq, stage).manifest();
    if manifest.exists() {
        return Err(PrepareError::SeqExists {
            seq: seq.get(),
            task_type: task_type.to_string(),
            task_key: task_key.to_string(),
            manifest,
        });
    }
    Ok(())
}

/// Writes the brief; a different existing brief is moved to `history/brief-<seq>.md` first.
fn store_brief(task: &TaskPaths, seq: RunSeq, text: &str) -> Result<Option<PathBuf>, PrepareError> {
    let path = task.brief();
    let archived = match read_optional(&path)? {
        Some(old) if old == text => return Ok(None),
        Some(_) => {
            let mut target = task.brief_archive(seq);
            let mut n = 2;
            while target.exists() {
                target = task.history_dir().join(format!("brief-{seq}-{n}.md"));
                n += 1;
            }
            crate::private::create_dir_all(&task.history_dir())?;
            fs_err::rename(&path, &target).map_err(PathError::at(&path))?;
            Some(target)
        }
        None => None,
    };
    write_text(&path, text)?;
    Ok(archived)
}

/// Inserts or updates the run's timeline entry. Must be called under the task lock.
pub(crate) fn upsert_timeline(task: &TaskPaths, manifest: &RunManifest) -> Result<(), StoreError> {
    let path = task.timeline();
    let mut timeline = match read_optional(&path)? {
        Some(text) => Timeline::parse(&text).map_err(|source| StoreError::Invalid {
            path: path.clone(),
            source,
        })?,
        None => Timeline::new(
            manifest.task_key().to_string(),
            manifest.task_group.raw().to_owned(),
            manifest.task_id.raw().to_owned(),
        ),
    };
    timeline.upsert(TimelineEntry::of(manifest));
    write_json(&path, &timeline)
}
