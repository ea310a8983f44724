//! Owns the wizard's state: the answers so far (each field owned by the one step that sets
//! it) and the steps answered, in order, so `back` can undo the last one. It is what
//! `.okstra/wizard/state.json` holds (camelCase); `Default` is a fresh wizard.

use serde::{Deserialize, Serialize};

use super::facts::PlanStanding;
use super::types::StepId;
use crate::TaskType;

/// The `schemaVersion` kind of the wizard's state file.
pub const WIZARD_STATE_KIND: &str = "wizard-state";

/// How the run gets its brief.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum BriefAnswer {
    /// The task's stored brief (no flag).
    Keep,
    /// `--brief FILE`.
    File { path: String },
    /// `--brief-text TEXT`.
    Text { text: String },
}

/// A plan picked, waiting for the approve-plan confirm step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanCandidate {
    pub path: String,
    pub approved: bool,
    /// A markdown plan outside the task: imported before use.
    pub import: bool,
}

impl PlanCandidate {
    pub(crate) fn from_standing(s: &PlanStanding) -> Self {
        Self {
            path: s.path.clone(),
            approved: s.approved,
            import: s.import,
        }
    }

    pub(crate) fn standing(&self) -> PlanStanding {
        PlanStanding {
            path: self.path.clone(),
            approved: self.approved,
            import: self.import,
            refusals: Vec::new(),
        }
    }
}

/// A `--model KEY=MODEL`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelChoice {
    pub key: String,
    pub model: String,
}

/// The wizard's answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WizardState {
    pub schema_version: String,
    /// The steps answered, in order.
    #[serde(default)]
    pub answered: Vec<StepId>,
    /// The steps that did not apply when a later step was answered: passed for good (until
    /// `back` undoes that answer), so an answer that changes the project (a plan imported
    /// makes its task exist) never reopens an earlier step.
    #[serde(default)]
    pub passed: Vec<StepId>,
    #[serde(default)]
    pub task_type: Option<TaskType>,
    /// `task_pick` chose a new task: `task_new` asks its name.
    #[serde(default)]
    pub new_task: bool,
    /// `group/id`.
    #[serde(default)]
    pub task: Option<String>,
    /// `brief_pick`'s choice: `keep`, `file` or `text`.
    #[serde(default)]
    pub brief_mode: Option<String>,
    #[serde(default)]
    pub brief: Option<BriefAnswer>,
    /// `base_ref_pick`'s choice: `current`, `default` or `other`.
    #[serde(default)]
    pub base_ref_mode: Option<String>,
    #[serde(default)]
    pub base_ref: Option<String>,
    /// `approved_plan_pick` chose `other`: `approved_plan` asks the path.
    #[serde(default)]
    pub plan_path_pending: bool,
    #[serde(default)]
    pub plan_candidate: Option<PlanCandidate>,
    /// The plan confirmed (approved), as `--plan` takes it.
    #[serde(default)]
    pub plan: Option<String>,
    /// `auto` or a stage number.
    #[serde(default)]
    pub stage: Option<String>,
    /// `retry`, `redo` or `reverify`, when the stage is reopened.
    #[serde(default)]
    pub stage_mode: Option<crate::stage_record::StageMode>,
    #[serde(default)]
    pub executor: Option<String>,
    /// `--critic`, when one is chosen that is not the project's own.
    #[serde(default)]
    pub critic: Option<String>,
    /// `--workers`, when they differ from the default roster.
    #[serde(default)]
    pub workers: Option<Vec<String>>,
    #[serde(default)]
    pub reuse_previous: Option<bool>,
    /// `defaults_or_custom` chose `custom`.
    #[serde(default)]
    pub custom: Option<bool>,
    #[serde(default)]
    pub models: Vec<ModelChoice>,
    #[serde(default)]
    pub max_rounds: Option<u32>,
    #[serde(default)]
    pub deadline: Option<String>,
    #[serde(default)]
    pub max_cost_usd: Option<f64>,
    #[serde(default)]
    pub directive: Option<String>,
    #[serde(default)]
    pub related: Vec<String>,
    #[serde(default)]
    pub push: Option<bool>,
    #[serde(default)]
    pub open_pr: Option<bool>,
    /// The task branch the user confirmed.
    #[serde(default)]
    pub branch: Option<String>,
    #[serde(default)]
    pub confirmed: bool,
    /// The folder the wizard was begun in (absolute): every later call, from whatever folder
    /// of the project, reads typed paths against it and starts the run there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
    /// The wizard's `--language`, when given: the run gets it too (`--language`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<crate::config::Language>,
}

impl Default for WizardState {
    fn default() -> Self {
        Self {
            schema_version: crate::version::schema_version(WIZARD_STATE_KIND),
            answered: Vec::new(),
            passed: Vec::new(),
            task_type: None,
            new_task: false,
            task: None,
            brief_mode: None,
            brief: None,
            base_ref_mode: None,
            base_ref: None,
            plan_path_pending: false,
            plan_candidate: None,
            plan: None,
            stage: None,
            stage_mode: None,
            executor: None,
            critic: None,
            workers: None,
            reuse_previous: None,
            custom: None,
            models: Vec::new(),
            max_rounds: None,
            deadline: None,
            max_cost_usd: None,
            directive: None,
            related: Vec::new(),
            push: None,
            open_pr: None,
            branch: None,
            confirmed: false,
            folder: None,
            language: None,
        }
    }
}

impl WizardState {
    /// Returns whether `step` has been answered.
    pub fn is_answered(&self, step: StepId) -> bool {
        self.answered.contains(&step)
    }

    /// Returns whether `step` is behind the wizard: answered, or passed as not applying.
    pub fn is_behind(&self, step: StepId) -> bool {
        self.answered.contains(&step) || self.passed.contains(&step)
    }

    /// Clears the fields `step` owns.
    pub(crate) fn clear(&mut self, step: StepId) {
        match step {
            StepId::TaskType => self.task_type = None,
            StepId::TaskPick => {
                self.new_task = false;
                self.task = None;
            }
            StepId::TaskNew => self.task = None,
            StepId::BriefPick => {
                self.brief_mode = None;
                self.brief = None;
            }
            StepId::BriefFile | StepId::BriefText => self.brief = None,
            StepId::BaseRefPick => {
                self.base_ref_mode = None;
                self.base_ref = None;
            }
            StepId::BaseRefText => self.base_ref = None,
            StepId::ApprovedPlanPick => {
                self.plan_path_pending = false;
                self.plan_candidate = None;
            }
            StepId::ApprovedPlan => self.plan_candidate = None,
            StepId::ApprovePlanConfirm => self.plan = None,
            StepId::StagePick => {
                self.stage = None;
                self.stage_mode = None;
            }
            StepId::Executor => self.executor = None,
            StepId::CriticPick => self.critic = None,
            StepId::Workers => self.workers = None,
            StepId::ReusePrevious => {
                self.reuse_previous = None;
                self.models.clear();
                self.directive = None;
                self.related.clear();
                self.max_rounds = None;
                self.deadline = None;
                self.max_cost_usd = None;
            }
            StepId::DefaultsOrCustom => self.custom = None,
            StepId::CustomModels => self.models.clear(),
            StepId::Directive => self.directive = None,
            StepId::RelatedTasks => self.related.clear(),
            StepId::PushConfirm => self.push = None,
            StepId::OpenPrConfirm => self.open_pr = None,
            StepId::BranchConfirm => self.branch = None,
            StepId::Confirm => self.confirmed = false,
        }
    }
}
