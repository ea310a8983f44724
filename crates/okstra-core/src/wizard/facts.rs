//! Owns how the machine asks the world: the [`WizardFacts`] trait and the facts it returns —
//! the project's tasks, the git branches, a task's worktree and brief, its plans and how each
//! stands, its stages, the agents and doctor's verdict on each, this run's default roster and
//! models, and the previous run's settings. The engine implements it over the real project;
//! tests implement it with fixed answers. The machine asks only what the current step needs,
//! so an implementation may compute each fact when first asked.
//!
//! Paths in facts are as the user would type them from the folder the wizard runs in.

use std::collections::BTreeMap;

use crate::TaskType;

/// A task of the project, by its path-form names (`okstra run --task <group>/<id>` takes them).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TaskRef {
    pub group: String,
    pub id: String,
}

impl TaskRef {
    /// Returns `group/id`.
    pub fn arg(&self) -> String {
        format!("{}/{}", self.group, self.id)
    }
}

/// A plan report of a task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanRef {
    /// The path `--plan` takes.
    pub path: String,
    /// The planning run's seq.
    pub seq: u32,
    pub approved: bool,
}

/// Where a plan stands, before the wizard uses it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanStanding {
    /// The plan's path, as `--plan` would take it.
    pub path: String,
    pub approved: bool,
    /// Whether it is a markdown plan outside the task, which `plan import` brings in first.
    pub import: bool,
    /// Every reason approving cannot fix (a blocked gate, an unparsable section 1, failing
    /// rules, open `Blocks=approval` items as `- <id> (Status=…)`); empty when it can be used.
    pub refusals: Vec<String>,
}

/// A stage of the plan and whether an implementation run can take it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageInfo {
    pub stage: u32,
    pub title: String,
    /// Its state as `ledger show` words it (`ready`, `done`, `blocked by stage 1`, …).
    pub state: String,
    pub ready: bool,
    /// A started stage whose run ended or died: `--retry` runs it again.
    pub retryable: bool,
    /// A done (or stale) stage: `--redo` or `--reverify` reopen it.
    pub reopenable: bool,
}

/// An agent a step can pick, with doctor's verdict on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentVerdict {
    pub name: String,
    /// Doctor's word: `ready`, `not-installed`, `not-logged-in`, `login-unknown`, `misconfigured`.
    pub verdict: String,
}

/// This run's settings with no flag given: what the wizard shows as its defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunDefaults {
    /// The analysers.
    pub workers: Vec<String>,
    pub executor: String,
    pub verifier: String,
    pub report_writer: String,
    /// The critic, when the project enables one.
    pub critic: Option<String>,
    /// Every model key (agent or role) → model.
    pub models: BTreeMap<String, String>,
    /// Every agent a run can use: the three built-in CLIs, then the configured agents.
    pub agents: Vec<String>,
    pub max_rounds: u32,
    /// The per-worker deadline.
    pub deadline_ms: u64,
}

/// The settings of the task's previous run of the same task type.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PreviousRun {
    pub run_id: String,
    pub seq: u32,
    pub models: BTreeMap<String, String>,
    pub max_rounds: u32,
    pub deadline_ms: u64,
    pub max_cost_usd: Option<f64>,
    /// Its `--directive`.
    pub directive: Option<String>,
    /// Its `--related` tasks, as `group/id`.
    pub related: Vec<String>,
}

/// What the machine asks the world. Methods taking `&self` only read; those taking `&mut self`
/// change the project (approving or importing a plan) and are called only from `submit`.
/// A fact that cannot be found out is an `Err` with a message for the user.
pub trait WizardFacts {
    /// The project's tasks, sorted.
    fn tasks(&self) -> Result<Vec<TaskRef>, String>;
    /// Whether the task has a brief (`brief.md`).
    fn brief_exists(&self, task: &TaskRef) -> bool;
    /// Checks a brief file the user named; returns its path as `--brief` takes it.
    fn check_brief_file(&self, path: &str) -> Result<String, String>;
    /// Whether the project is in a git repository (a base ref is asked only then).
    fn in_git(&self) -> bool;
    /// The branch checked out in the project.
    fn current_branch(&self) -> Option<String>;
    /// The repository's default branch (`origin/HEAD`, else `main` / `master`).
    fn default_branch(&self) -> Option<String>;
    /// Checks that a ref names a commit.
    fn check_ref(&self, reference: &str) -> Result<(), String>;
    /// Whether the task's worktree exists (its base ref is fixed then).
    fn task_worktree_exists(&self, task: &TaskRef) -> bool;
    /// The branch the task's runs work on (existing, or the one its first run will make).
    fn task_branch(&self, task: &TaskRef) -> Option<String>;
    /// The task's latest plan report.
    fn latest_plan(&self, task: &TaskRef) -> Result<Option<PlanRef>, String>;
    /// The task's other plan reports (every one but the latest), newest first.
    fn other_plans(&self, task: &TaskRef) -> Result<Vec<PlanRef>, String>;
    /// How the plan at `path` stands for the task.
    fn plan_standing(&self, task: &TaskRef, path: &str) -> Result<PlanStanding, String>;
    /// Makes the plan usable: imports it into the task when it is outside, approves it when
    /// it is not approved; returns its path as `--plan` takes it, or the reasons it cannot be.
    fn approve(&mut self, task: &TaskRef, plan: &PlanStanding) -> Result<String, String>;
    /// The stages of the task's plan at `plan`, with their states.
    fn stages(&self, task: &TaskRef, plan: &str) -> Result<Vec<StageInfo>, String>;
    /// Every agent with doctor's verdict (the three built-in CLIs first).
    fn agent_verdicts(&self) -> Vec<AgentVerdict>;
    /// This run's defaults for the task type.
    fn defaults(&self, task_type: TaskType) -> Result<RunDefaults, String>;
    /// The task's previous run of the task type, with the settings it ran with.
    fn previous_run(&self, task: &TaskRef, task_type: TaskType) -> Option<PreviousRun>;
}
