//! Owns every path of SPEC §2: the project side (`.okstra/…`), the run directories (including
//! the stage-isolated `runs/implementation/stage-<N>/` tree), worker artifact names, and the
//! central home (`$OKSTRA_HOME`), where a task's worktrees sit under the worktree namespace of
//! its project and repository: `worktrees/<projectId>/…` for the project's first repository
//! (SPEC §2), `worktrees/<projectId>~<hash of the git common dir>/…` for another clone of it.
//!
//! Paths are computed only from validated newtypes (`Segment`, `TaskType`, `RunSeq`, `Stage`,
//! `WorkerName`), so no raw user text ever reaches a path. Nothing here touches the disk.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::ids::{RunSeq, Stage};
use crate::repository::WorktreeNamespace;
use crate::segment::{ProjectId, Segment};
use crate::task_type::TaskType;
use crate::worker_name::WorkerName;

mod artifact;

pub use artifact::{ArtifactKind, RoundTag};

/// The project root's `.okstra/` paths.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProjectPaths {
    root: PathBuf,
}

impl ProjectPaths {
    /// Returns the paths of a project rooted at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// Returns the project root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Returns `<root>/.okstra`.
    pub fn okstra_dir(&self) -> PathBuf {
        self.root.join(".okstra")
    }

    /// Returns `<root>/.okstra/project.json`.
    pub fn project_json(&self) -> PathBuf {
        self.okstra_dir().join("project.json")
    }

    /// Returns `<root>/.okstra/tasks`.
    pub fn tasks_dir(&self) -> PathBuf {
        self.okstra_dir().join("tasks")
    }

    /// Returns the paths of one task.
    pub fn task(&self, group: &Segment, id: &Segment) -> TaskPaths {
        TaskPaths {
            root: self.root.clone(),
            task_root: self.tasks_dir().join(group.as_str()).join(id.as_str()),
        }
    }
}

/// The paths of one task (`.okstra/tasks/<group-seg>/<id-seg>/`), shared by all its runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskPaths {
    root: PathBuf,
    task_root: PathBuf,
}

impl TaskPaths {
    /// Returns the project root.
    pub fn project_root(&self) -> &Path {
        &self.root
    }

    /// Returns the task root (`task_root` in the spec).
    pub fn task_root(&self) -> &Path {
        &self.task_root
    }

    /// Returns `<task_root>/brief.md`.
    pub fn brief(&self) -> PathBuf {
        self.task_root.join("brief.md")
    }

    /// Returns `<task_root>/history`.
    pub fn history_dir(&self) -> PathBuf {
        self.task_root.join("history")
    }

    /// Returns `<task_root>/history/timeline.json`.
    pub fn timeline(&self) -> PathBuf {
        self.history_dir().join("timeline.json")
    }

    /// Returns `<task_root>/history/brief-<seq>.md`, where a replaced brief is kept.
    pub fn brief_archive(&self, seq: RunSeq) -> PathBuf {
        self.history_dir().join(format!("brief-{seq}.md"))
    }

    /// Returns `<task_root>/qa` (`TASK_QA_PATH`).
    pub fn qa_dir(&self) -> PathBuf {
        self.task_root.join("qa")
    }

    /// Returns `<task_root>/.lock`, the per-task lock.
    pub fn lock(&self) -> PathBuf {
        self.task_root.join(".lock")
    }

    /// Returns `<task_root>/runs`.
    pub fn runs_dir(&self) -> PathBuf {
        self.task_root.join("runs")
    }

    /// Returns `<task_root>/runs/<task-type>` (the `plan_run_root` for implementation-planning).
    pub fn task_type_dir(&self, task_type: TaskType) -> PathBuf {
        self.runs_dir().join(task_type.as_str())
    }

    /// Returns the consumers ledger, `runs/implementation-planning/consumers.jsonl` (task level,
    /// never stage-scoped).
    pub fn consumers_ledger(&self) -> PathBuf {
        self.task_type_dir(TaskType::ImplementationPlanning)
            .join("consumers.jsonl")
    }

    /// Returns the carry directory, `runs/implementation/carry` (task level, never stage-scoped).
    pub fn carry_dir(&self) -> PathBuf {
        self.task_type_dir(TaskType::Implementation).join("carry")
    }

    /// Returns `runs/implementation/carry/stage-<N>.json`.
    pub fn carry(&self, stage: Stage) -> PathBuf {
        self.carry_dir().join(format!("stage-{stage}.json"))
    }

    /// Returns the run directory of a task type: `runs/<task-type>/`, or
    /// `runs/implementation/stage-<N>/` for a stage run.
    pub fn run_dir(&self, task_type: TaskType, stage: Option<Stage>) -> PathBuf {
        let dir = self.task_type_dir(task_type);
        match stage {
            Some(stage) if task_type.is_stage_scoped() => dir.join(format!("stage-{stage}")),
            _ => dir,
        }
    }

    /// Returns the paths of one run.
    pub fn run(&self, task_type: TaskType, seq: RunSeq, stage: Option<Stage>) -> RunPaths {
        let stage = stage.filter(|_| task_type.is_stage_scoped());
        RunPaths {
            task: self.clone(),
            task_type,
            seq,
            stage,
            run_dir: self.run_dir(task_type, stage),
        }
    }
}

/// The paths of one run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunPaths {
    task: TaskPaths,
    task_type: TaskType,
    seq: RunSeq,
    stage: Option<Stage>,
    run_dir: PathBuf,
}

impl RunPaths {
    /// Returns the task's paths.
    pub fn task(&self) -> &TaskPaths {
        &self.task
    }

    /// Returns the task type.
    pub fn task_type(&self) -> TaskType {
        self.task_type
    }

    /// Returns the run seq.
    pub fn seq(&self) -> RunSeq {
        self.seq
    }

    /// Returns the stage of a stage run.
    pub fn stage(&self) -> Option<Stage> {
        self.stage
    }

    /// Returns the run directory.
    pub fn run_dir(&self) -> &Path {
        &self.run_dir
    }

    /// Returns `<run_dir>/manifests`.
    pub fn manifests_dir(&self) -> PathBuf {
        self.run_dir.join("manifests")
    }

    /// Returns `manifests/run-manifest-<task-type>-<seq>.json`.
    pub fn manifest(&self) -> PathBuf {
        self.manifests_dir()
            .join(format!("run-manifest-{}-{}.json", self.task_type, self.seq))
    }

    /// Returns `<run_dir>/state`.
    pub fn state_dir(&self) -> PathBuf {
        self.run_dir.join("state")
    }

    /// Returns `state/team-state-<seq>.json`.
    pub fn team_state(&self) -> PathBuf {
        self.state_dir()
            .join(format!("team-state-{}.json", self.seq))
    }

    /// Returns `state/convergence-<seq>.json`.
    pub fn convergence(&self) -> PathBuf {
        self.state_dir()
            .join(format!("convergence-{}.json", self.seq))
    }

    /// Returns `state/plan-body-verification-<seq>.json`: the run's plan-body verification
    /// record.
    pub fn plan_body_verification_record(&self) -> PathBuf {
        self.state_dir()
            .join(format!("plan-body-verification-{}.json", self.seq))
    }

    /// Returns `state/plan-body-verification.json`: a copy of the latest run's record, for the
    /// original okstra's readers.
    pub fn plan_body_verification(&self) -> PathBuf {
        self.state_dir().join("plan-body-verification.json")
    }

    /// Returns `state/background-<seq>.log`: the output of the okstra that runs the run as a
    /// background process (`okstra run --background`, `okstra resume --background`).
    pub fn background_log(&self) -> PathBuf {
        self.state_dir()
            .join(format!("background-{}.log", self.seq))
    }

    /// Returns `state/final-verification-<seq>.json`: a final-verification run's verdict.
    pub fn final_verification_record(&self) -> PathBuf {
        self.state_dir()
            .join(format!("final-verification-{}.json", self.seq))
    }

    /// Returns `reports/pr-body-<seq>.md`: a release hand-off's pull-request body.
    pub fn pr_body(&self) -> PathBuf {
        self.reports_dir().join(format!("pr-body-{}.md", self.seq))
    }

    /// Returns `state/evidence-<seq>.json`: okstra's evidence on an implementation run's head.
    pub fn evidence(&self) -> PathBuf {
        self.state_dir().join(format!("evidence-{}.json", self.seq))
    }

    /// Returns `state/execution-<seq>.json`: how an implementation run's executor was driven.
    pub fn execution(&self) -> PathBuf {
        self.state_dir()
            .join(format!("execution-{}.json", self.seq))
    }

    /// Returns `state/.run.lock`, held by the okstra process driving the run.
    pub fn run_lock(&self) -> PathBuf {
        self.state_dir().join(format!(".run-{}.lock", self.seq))
    }

    /// Returns `<run_dir>/prompts`.
    pub fn prompts_dir(&self) -> PathBuf {
        self.run_dir.join("prompts")
    }

    /// Returns `<run_dir>/reports`.
    pub fn reports_dir(&self) -> PathBuf {
        self.run_dir.join("reports")
    }

    /// Returns `reports/final-report-<task-type>-<seq>.data.json`.
    pub fn report_data(&self) -> PathBuf {
        self.reports_dir().join(format!(
            "final-report-{}-{}.data.json",
            self.task_type, self.seq
        ))
    }

    /// Returns `reports/final-report-<task-type>-<seq>.md`.
    pub fn report_markdown(&self) -> PathBuf {
        self.reports_dir()
            .join(format!("final-report-{}-{}.md", self.task_type, self.seq))
    }

    /// Returns `reports/final-report-<task-type>-<seq>.html`, the report's page.
    pub fn report_html(&self) -> PathBuf {
        self.reports_dir()
            .join(format!("final-report-{}-{}.html", self.task_type, self.seq))
    }

    /// Returns `<run_dir>/worker-results`.
    pub fn worker_results_dir(&self) -> PathBuf {
        self.run_dir.join("worker-results")
    }

    /// Returns the file name of a worker artifact:
    /// `<worker>[-audit|-errors|-transcript]-<task-type>-<seq>[-r<round>|-pbv|-step-<n>][-a<attempt>]<ext>`.
    pub fn artifact_name(
        &self,
        worker: &WorkerName,
        kind: ArtifactKind,
        round: RoundTag,
        attempt: u32,
    ) -> String {
        let attempt = if attempt <= 1 {
            String::new()
        } else {
            format!("-a{attempt}")
        };
        format!(
            "{worker}{}-{}-{}{}{attempt}{}",
            kind.infix(),
            self.task_type,
            self.seq,
            round.suffix(),
            kind.extension()
        )
    }

    /// Returns the path of a worker artifact (prompts under `prompts/`, the rest under
    /// `worker-results/`).
    pub fn artifact(
        &self,
        worker: &WorkerName,
        kind: ArtifactKind,
        round: RoundTag,
        attempt: u32,
    ) -> PathBuf {
        let dir = if kind == ArtifactKind::Prompt {
            self.prompts_dir()
        } else {
            self.worker_results_dir()
        };
        dir.join(self.artifact_name(worker, kind, round, attempt))
    }

    /// Returns the directories a prepared run has.
    pub fn directories(&self) -> [PathBuf; 5] {
        [
            self.manifests_dir(),
            self.state_dir(),
            self.prompts_dir(),
            self.reports_dir(),
            self.worker_results_dir(),
        ]
    }

    /// Returns the named path variables of the original okstra (`TASK_ROOT`, `RUN_DIR`,
    /// `RUN_STAGE`, …), for prompt templates and audits.
    pub fn vars(&self) -> BTreeMap<&'static str, String> {
        let s = |p: PathBuf| p.display().to_string();
        BTreeMap::from([
            ("PROJECT_ROOT", s(self.task.root.clone())),
            ("TASK_ROOT", s(self.task.task_root.clone())),
            ("TASK_BRIEF_PATH", s(self.task.brief())),
            ("HISTORY_DIR", s(self.task.history_dir())),
            ("TIMELINE_PATH", s(self.task.timeline())),
            ("TASK_QA_PATH", s(self.task.qa_dir())),
            ("RUN_DIR", s(self.run_dir.clone())),
            (
                "RUN_STAGE",
                self.stage.map(|s| s.to_string()).unwrap_or_default(),
            ),
            ("RUN_SEQ", self.seq.to_string()),
            ("TASK_TYPE", self.task_type.to_string()),
            ("RUN_MANIFESTS_DIR", s(self.manifests_dir())),
            ("RUN_MANIFEST_PATH", s(self.manifest())),
            ("RUN_STATE_DIR", s(self.state_dir())),
            ("RUN_PROMPTS_DIR", s(self.prompts_dir())),
            ("RUN_REPORTS_DIR", s(self.reports_dir())),
            ("RUN_WORKER_RESULTS_DIR", s(self.worker_results_dir())),
            ("FINAL_REPORT_DATA_PATH", s(self.report_data())),
            ("FINAL_REPORT_PATH", s(self.report_markdown())),
            ("CONSUMERS_LEDGER_PATH", s(self.task.consumers_ledger())),
            ("CARRY_DIR", s(self.task.carry_dir())),
        ])
    }
}

/// The central home's paths (`$OKSTRA_HOME`, SPEC §2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HomePaths {
    home: PathBuf,
}

impl HomePaths {
    /// Returns the paths of a central home at `home`.
    pub fn new(home: impl Into<PathBuf>) -> Self {
        Self { home: home.into() }
    }

    /// Returns the home directory.
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// Returns `projects/<projectId>/meta.json`.
    pub fn project_meta(&self, project: &ProjectId) -> PathBuf {
        self.home
            .join("projects")
            .join(project.as_str())
            .join("meta.json")
    }

    /// Returns `projects/<projectId>/.lock`, held around every read-modify-write of meta.json.
    pub fn project_meta_lock(&self, project: &ProjectId) -> PathBuf {
        self.home
            .join("projects")
            .join(project.as_str())
            .join(".lock")
    }

    /// Returns `projects/`.
    pub fn projects_dir(&self) -> PathBuf {
        self.home.join("projects")
    }

    /// Returns `index/`.
    pub fn index_dir(&self) -> PathBuf {
        self.home.join("index")
    }

    /// Returns `index/runs.jsonl`, the live index file.
    pub fn index(&self) -> PathBuf {
        self.index_dir().join("runs.jsonl")
    }

    /// Returns `index/runs-<stamp>.jsonl`, a rotated index file.
    pub fn rotated_index(&self, stamp: &str) -> PathBuf {
        self.index_dir().join(format!("runs-{stamp}.jsonl"))
    }

    /// Returns `index/.lock`, held around appends and rotation.
    pub fn index_lock(&self) -> PathBuf {
        self.index_dir().join(".lock")
    }

    /// Returns `registry/worktrees.json`.
    pub fn registry(&self) -> PathBuf {
        self.home.join("registry").join("worktrees.json")
    }

    /// Returns `registry/.lock`.
    pub fn registry_lock(&self) -> PathBuf {
        self.home.join("registry").join(".lock")
    }

    /// Returns `detached/<run-id>.env`: the environment a detached run's session takes over
    /// (written 0600 by the launcher, read and removed by the session's `okstra resume`).
    pub fn session_env(&self, run_id: &crate::ids::RunId) -> PathBuf {
        self.home.join("detached").join(format!("{run_id}.env"))
    }

    /// Returns `batches/<batch-id>.json`.
    pub fn batch(&self, batch_id: &Segment) -> PathBuf {
        self.home.join("batches").join(format!("{batch_id}.json"))
    }

    /// Returns `worktrees/<namespace>/<group-seg>/<id-seg>`, the folder holding a task's
    /// worktrees. The namespace is the project id for a project's first repository — the
    /// SPEC §2 path, which a `&ProjectId` gives — and `<projectId>~<hash>` for another
    /// repository of the same project (see [`WorktreeNamespace`]), so two clones never share a
    /// worktree folder.
    pub fn task_worktrees_dir(
        &self,
        namespace: impl Into<WorktreeNamespace>,
        group: &Segment,
        id: &Segment,
    ) -> PathBuf {
        self.home
            .join("worktrees")
            .join(namespace.into().as_str())
            .join(group.as_str())
            .join(id.as_str())
    }

    /// Returns `worktrees/<namespace>/<group-seg>/<id-seg>/task`.
    pub fn task_worktree(
        &self,
        namespace: impl Into<WorktreeNamespace>,
        group: &Segment,
        id: &Segment,
    ) -> PathBuf {
        self.task_worktrees_dir(namespace, group, id).join("task")
    }

    /// Returns `worktrees/<namespace>/<group-seg>/<id-seg>/stage-<N>` (beside, never inside,
    /// the task worktree).
    pub fn stage_worktree(
        &self,
        namespace: impl Into<WorktreeNamespace>,
        group: &Segment,
        id: &Segment,
        stage: Stage,
    ) -> PathBuf {
        self.task_worktrees_dir(namespace, group, id)
            .join(format!("stage-{stage}"))
    }
}

/// Returns `path` relative to `base` when it lies inside it, else `path` unchanged.
pub fn relative_to(path: &Path, base: &Path) -> PathBuf {
    path.strip_prefix(base)
        .map_or_else(|_| path.to_path_buf(), Path::to_path_buf)
}

#[cfg(test)]
mod tests;
