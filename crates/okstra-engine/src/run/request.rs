//! Owns what a caller asks the engine for: a run to start, or a run to continue.

use std::collections::BTreeMap;

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
