//! Owns the step planner of step mode (SPEC §8) and the commit subjects okstra writes: a stage's
//! Stepwise Execution Order becomes one invocation per plan step — its instruction for the
//! prompt and the subject okstra commits it with (`RED: …`, `GREEN: …`, `REFACTOR: …`) — and
//! the subject of work an executor left uncommitted. Assembling the whole prompt is the run's
//! prompt phase; committing is the engine's.

use std::fmt::Write as _;

use thiserror::Error;

use crate::plan::Stage;

/// The subject of the commit okstra makes of what an executor left uncommitted.
pub const LEFTOVER_SUBJECT: &str = "okstra: uncommitted executor changes";

/// The longest commit subject okstra writes, in characters (longer actions are cut with `…`).
const MAX_SUBJECT_CHARS: usize = 200;

/// What a plan step does, by its action's prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StepAction {
    Red,
    Green,
    Refactor,
}

impl StepAction {
    /// Returns the prefix an action and its commit subject start with.
    pub fn prefix(self) -> &'static str {
        match self {
            StepAction::Red => "RED:",
            StepAction::Green => "GREEN:",
            StepAction::Refactor => "REFACTOR:",
        }
    }

    /// Returns the action of a step's text, by its prefix (`None` without one).
    pub fn of(action: &str) -> Option<Self> {
        let action = action.trim_start();
        [StepAction::Red, StepAction::Green, StepAction::Refactor]
            .into_iter()
            .find(|a| action.starts_with(a.prefix()))
    }

    /// Returns what the executor must leave behind after a step of this kind.
    fn expectation(self) -> &'static str {
        match self {
            StepAction::Red => {
                "Write the failing test of this step only, and no production code: after this \
                 step the Stage Validation must fail because of the new test."
            }
            StepAction::Green => {
                "Make the failing test pass with the smallest change to production code: after \
                 this step the Stage Validation must pass."
            }
            StepAction::Refactor => {
                "Improve the code without changing what it does: after this step the Stage \
                 Validation must still pass."
            }
        }
    }
}

/// One invocation of step mode: one plan step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepInvocation {
    pub stage: u32,
    /// `1..=total`, in the plan's order.
    pub number: u32,
    pub total: u32,
    pub action: StepAction,
    /// The subject okstra commits the step with: the step's action, on one line.
    pub subject: String,
    /// The files the plan says the step touches.
    pub files: Vec<String>,
    /// The step's section of the executor's prompt (markdown).
    pub instruction: String,
}

/// A stage that step mode cannot drive.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum StepPlanError {
    #[error("stage {stage} has no steps to drive one by one")]
    NoSteps { stage: u32 },
    #[error("stage {stage} step {step} does not start with RED:, GREEN: or REFACTOR: ({action:?})")]
    NoPrefix {
        stage: u32,
        step: u32,
        action: String,
    },
}

/// Returns a commit subject made of a step's action: its text on one line, whitespace
/// collapsed, at most 200 characters.
pub fn commit_subject(action: &str) -> String {
    let one_line = action.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= MAX_SUBJECT_CHARS {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(MAX_SUBJECT_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// Returns the invocations that drive `stage` one plan step at a time.
pub fn plan_steps(stage: &Stage) -> Result<Vec<StepInvocation>, StepPlanError> {
    if stage.steps.is_empty() {
        return Err(StepPlanError::NoSteps {
            stage: stage.number,
        });
    }
    let total = u32::try_from(stage.steps.len()).unwrap_or(u32::MAX);
    stage
        .steps
        .iter()
        .zip(1..)
        .map(|(step, number)| {
            let action = StepAction::of(&step.action).ok_or_else(|| StepPlanError::NoPrefix {
                stage: stage.number,
                step: number,
                action: step.action.clone(),
            })?;
            let subject = commit_subject(&step.action);
            let instruction = step_instruction(stage, number, total, action, &subject, &step.files);
            Ok(StepInvocation {
                stage: stage.number,
                number,
                total,
                action,
                subject,
                files: step.files.clone(),
                instruction,
            })
        })
        .collect()
}

fn step_instruction(
    stage: &Stage,
    number: u32,
    total: u32,
    action: StepAction,
    subject: &str,
    files: &[String],
) -> String {
    let mut out = format!(
        "## Step {number} of {total} of stage {} (step mode)\n\nDo this step and nothing \
         else:\n\n> {subject}\n",
        stage.number
    );
    if !files.is_empty() {
        let list: Vec<String> = files.iter().map(|f| format!("`{f}`")).collect();
        let _ = write!(out, "\nFiles: {}\n", list.join(", "));
    }
    let _ = write!(
        out,
        "\n{}\n\nokstra drives this stage one plan step per invocation and commits your changes \
         after each step with the subject `{subject}`. Do not commit, do not push, and do not \
         start the next step.\n",
        action.expectation()
    );
    out
}

/// Returns the commit rule of a stage driven in one invocation, for the executor's prompt: one
/// commit per plan step, each with the step's action as its subject, in order.
pub fn whole_stage_instruction(stage: &Stage) -> String {
    let mut out = String::from(
        "## Commits\n\nWork test-first and commit once per plan step, in this order, with \
         exactly these subjects:\n\n",
    );
    for (step, number) in stage.steps.iter().zip(1..) {
        let _ = writeln!(out, "{number}. `{}`", commit_subject(&step.action));
    }
    let _ = write!(
        out,
        "\nNever push. Anything you leave uncommitted is committed by okstra as \
         `{LEFTOVER_SUBJECT}` and reported.\n"
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Step;

    fn stage(actions: &[&str]) -> Stage {
        Stage {
            number: 2,
            title: "Totals".into(),
            steps: actions
                .iter()
                .map(|a| Step {
                    action: (*a).into(),
                    files: vec!["src/total.rs".into()],
                })
                .collect(),
            ..Stage::default()
        }
    }

    #[test]
    fn one_invocation_per_step_with_its_subject() {
        let steps = plan_steps(&stage(&[
            "RED: a test that the total rounds half up",
            "GREEN:   round\n half up",
            "REFACTOR: name the rounding rule",
        ]))
        .unwrap();
        let subjects: Vec<_> = steps.iter().map(|s| s.subject.as_str()).collect();
        assert_eq!(
            subjects,
            [
                "RED: a test that the total rounds half up",
                "GREEN: round half up",
                "REFACTOR: name the rounding rule"
            ]
        );
        let actions: Vec<_> = steps.iter().map(|s| s.action).collect();
        assert_eq!(
            actions,
            [StepAction::Red, StepAction::Green, StepAction::Refactor]
        );
        assert_eq!((steps[1].number, steps[1].total, steps[1].stage), (2, 3, 2));
        let text = &steps[0].instruction;
        assert!(
            text.starts_with("## Step 1 of 3 of stage 2 (step mode)"),
            "{text}"
        );
        assert!(text.contains("> RED: a test that the total rounds half up"));
        assert!(text.contains("Files: `src/total.rs`"));
        assert!(text.contains("Stage Validation must fail"));
        assert!(text.contains("Do not commit, do not push"));
    }

    #[test]
    fn a_stage_without_steps_or_with_a_bare_step_is_refused() {
        assert_eq!(
            plan_steps(&stage(&[])),
            Err(StepPlanError::NoSteps { stage: 2 })
        );
        let err = plan_steps(&stage(&["RED: t", "write the code"])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "stage 2 step 2 does not start with RED:, GREEN: or REFACTOR: (\"write the code\")"
        );
    }

    #[test]
    fn long_subjects_are_cut() {
        let long = format!("GREEN: {}", "é".repeat(400));
        let subject = commit_subject(&long);
        assert_eq!(subject.chars().count(), 200);
        assert!(subject.starts_with("GREEN: é") && subject.ends_with('…'));
    }

    #[test]
    fn the_whole_stage_rule_lists_every_subject() {
        let text = whole_stage_instruction(&stage(&["RED: t", "GREEN: g"]));
        assert!(text.contains("1. `RED: t`\n2. `GREEN: g`\n"), "{text}");
        assert!(text.contains(LEFTOVER_SUBJECT));
    }
}
