//! Owns the wizard's vocabulary: the step ids (the seed's snake_case names, in the seed's
//! order), a prompt and its options, what `next` returns, what `submit` echoes, and the one
//! error type, which names the step, says what is wrong and lists the values that would do.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A step of the wizard, in the order the machine asks them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepId {
    TaskType,
    TaskPick,
    TaskNew,
    BriefPick,
    BriefFile,
    BriefText,
    BaseRefPick,
    BaseRefText,
    ApprovedPlanPick,
    ApprovedPlan,
    ApprovePlanConfirm,
    StagePick,
    Executor,
    CriticPick,
    Workers,
    ReusePrevious,
    DefaultsOrCustom,
    CustomModels,
    Directive,
    RelatedTasks,
    PushConfirm,
    OpenPrConfirm,
    BranchConfirm,
    Confirm,
}

impl StepId {
    /// Every step, in the machine's order.
    pub const ALL: [StepId; 24] = [
        StepId::TaskType,
        StepId::TaskPick,
        StepId::TaskNew,
        StepId::BriefPick,
        StepId::BriefFile,
        StepId::BriefText,
        StepId::BaseRefPick,
        StepId::BaseRefText,
        StepId::ApprovedPlanPick,
        StepId::ApprovedPlan,
        StepId::ApprovePlanConfirm,
        StepId::StagePick,
        StepId::Executor,
        StepId::CriticPick,
        StepId::Workers,
        StepId::ReusePrevious,
        StepId::DefaultsOrCustom,
        StepId::CustomModels,
        StepId::Directive,
        StepId::RelatedTasks,
        StepId::PushConfirm,
        StepId::OpenPrConfirm,
        StepId::BranchConfirm,
        StepId::Confirm,
    ];

    /// Returns the step's id as the protocol and the catalogs spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            StepId::TaskType => "task_type",
            StepId::TaskPick => "task_pick",
            StepId::TaskNew => "task_new",
            StepId::BriefPick => "brief_pick",
            StepId::BriefFile => "brief_file",
            StepId::BriefText => "brief_text",
            StepId::BaseRefPick => "base_ref_pick",
            StepId::BaseRefText => "base_ref_text",
            StepId::ApprovedPlanPick => "approved_plan_pick",
            StepId::ApprovedPlan => "approved_plan",
            StepId::ApprovePlanConfirm => "approve_plan_confirm",
            StepId::StagePick => "stage_pick",
            StepId::Executor => "executor",
            StepId::CriticPick => "critic_pick",
            StepId::Workers => "workers",
            StepId::ReusePrevious => "reuse_previous",
            StepId::DefaultsOrCustom => "defaults_or_custom",
            StepId::CustomModels => "custom_models",
            StepId::Directive => "directive",
            StepId::RelatedTasks => "related_tasks",
            StepId::PushConfirm => "push_confirm",
            StepId::OpenPrConfirm => "open_pr_confirm",
            StepId::BranchConfirm => "branch_confirm",
            StepId::Confirm => "confirm",
        }
    }
}

impl StepId {
    /// Returns the step's position in the machine's order.
    pub(crate) fn index(self) -> usize {
        Self::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }
}

impl fmt::Display for StepId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for StepId {
    type Err = WizardError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StepId::ALL
            .into_iter()
            .find(|step| step.as_str() == s.trim())
            .ok_or_else(|| WizardError {
                step: None,
                message: format!("{s:?} is not a step of the wizard"),
                valid: StepId::ALL.iter().map(|s| s.as_str().to_owned()).collect(),
            })
    }
}

/// How a prompt is answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PromptKind {
    /// One of the options (or several, comma-separated, when `multi`).
    Pick,
    /// One of the options, shown under their `group` headings.
    PickGroup,
    /// Free text.
    Text,
}

/// One option of a pick.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptOption {
    /// What `submit` takes.
    pub value: String,
    /// What a person reads (with a `(default)` / `(recommended)` mark where it applies).
    pub label: String,
    /// The heading it is shown under (`pick_group`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

/// What the current step asks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prompt {
    pub step: StepId,
    pub kind: PromptKind,
    pub multi: bool,
    pub label: String,
    pub options: Vec<PromptOption>,
    /// How the answer is echoed: `{value}` is the answer.
    pub echo_template: String,
    /// The value taken when a person just confirms (a terminal's Enter), if any.
    pub default: Option<String>,
}

/// An accepted answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Submitted {
    pub step: StepId,
    pub echo: String,
}

/// An answer the step refuses, or a fact the step needed that could not be found out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{}{message}", step.map(|s| format!("{s}: ")).unwrap_or_default())]
pub struct WizardError {
    pub step: Option<StepId>,
    pub message: String,
    /// The values the step takes (empty for a text step).
    pub valid: Vec<String>,
}

impl WizardError {
    /// Returns an error of `step`.
    pub(crate) fn at(step: StepId, message: impl Into<String>) -> Self {
        Self {
            step: Some(step),
            message: message.into(),
            valid: Vec::new(),
        }
    }

    /// Returns the error with the values the step takes.
    pub(crate) fn valid(mut self, valid: Vec<String>) -> Self {
        self.valid = valid;
        self
    }
}
