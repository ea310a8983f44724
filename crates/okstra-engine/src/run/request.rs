//! Owns what a caller asks the engine for: a run to start (and, for an implementation run,
//! which plan, which stage and how), or a run to continue.

use std::collections::BTreeMap;
use std::path::PathBuf;

use okstra_core::ledger::StageChoice;
use okstra_core::stage_record::StageMode;

use okstra_core::manifest::RunManifest;
use okstra_core::settings::RunSettings;
use okstra_core::{TaskName, TaskType};

use crate::event_sink::EventSink;
use crate::home::Home;
use crate::project::LoadedProject;

/// A run to start.
pub struct NewRun {
    pub home: Home,
    /// The project (its project.json is written when it does not exist yet).
    pub project: LoadedProject,
    pub settings: RunSettings,
    pub task_type: TaskType,
    pub group: TaskName,
    pub id: TaskName,
    /// The text of `--brief`, when given.
    pub brief: Option<String>,
    /// `--base-ref`.
    pub base_ref: Option<String>,
    /// okstra's environment (workers inherit it minus `OKSTRA_*`).
    pub env: BTreeMap<String, String>,
    pub sink: EventSink,
    /// What an implementation run asks of its stage (`None` for every other task type).
    pub stage: Option<StageAsk>,
    /// What a release-handoff run is asked beyond the PR body (`--push`, `--open-pr`); `None`
    /// pushes and opens nothing.
    pub handoff: Option<crate::handoff::HandoffAsk>,
    /// The user's directive (`--directive`), given to every worker of the run.
    pub directive: Option<String>,
    /// The related tasks (`--related`), whose latest reports join every prompt's context.
    pub related: Vec<RelatedTask>,
}

impl NewRun {
    /// Returns a new run of `manifest`'s task and task type, asked what its recipe records —
    /// the directive, the related tasks, a hand-off's push and PR — with `settings` resolved
    /// from that recipe by the caller (`SettingsLayer::from_recipe`): what `ctl rerun` prepares
    /// (with [`crate::prepare_detached`]) and starts in its session. The brief and the worktree
    /// are the task's; an implementation run takes the lowest ready stage anew.
    pub fn again(
        manifest: &RunManifest,
        home: Home,
        project: LoadedProject,
        settings: RunSettings,
        env: BTreeMap<String, String>,
        sink: EventSink,
    ) -> Self {
        let recipe = manifest.recipe.clone().unwrap_or_default();
        Self {
            home,
            project,
            settings,
            task_type: manifest.task_type,
            group: manifest.task_group.clone(),
            id: manifest.task_id.clone(),
            brief: None,
            base_ref: None,
            env,
            sink,
            stage: None,
            handoff: recipe
                .handoff
                .as_ref()
                .map(crate::handoff::HandoffAsk::from_recipe),
            directive: recipe.directive,
            related: recipe
                .related
                .iter()
                .filter_map(|r| RelatedTask::parse(r).ok())
                .collect(),
        }
    }
}

/// A task of the project whose latest reports join every prompt of a run (`--related`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelatedTask {
    pub group: TaskName,
    pub id: TaskName,
}

impl RelatedTask {
    /// Parses `<group>/<id>` (the `--task` rules).
    pub fn parse(value: &str) -> Result<Self, okstra_core::errors::SegmentError> {
        let (group, id) = okstra_core::TaskKey::parse_task_arg(value)?;
        Ok(Self { group, id })
    }
}

impl std::fmt::Display for RelatedTask {
    /// Writes `<group>/<id>` with the names as given.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.group.raw(), self.id.raw())
    }
}

/// What an implementation run asks of its stage (SPEC §8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageAsk {
    /// `--plan`: a plan file of the task, or one of its planning runs; `None` takes the plan
    /// in force, else the task's latest approved plan.
    pub plan: Option<String>,
    /// The folder a relative `--plan` path is taken against.
    pub cwd: PathBuf,
    /// `--stage auto|N`.
    pub choice: StageChoice,
    /// `--retry`, `--redo`, `--reverify`, or a new stage.
    pub mode: StageMode,
}

/// A run to continue.
pub struct ResumeRun {
    pub home: Home,
    pub project: LoadedProject,
    /// The settings it was started with (its recorded recipe, resolved).
    pub settings: RunSettings,
    pub manifest: RunManifest,
    pub env: BTreeMap<String, String>,
    pub sink: EventSink,
}
